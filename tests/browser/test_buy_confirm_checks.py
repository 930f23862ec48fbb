"""Issue 13.1, 13.2, 13.9b in Chromium at 1440 px: the confirmation page re-reads stale prices, leaves out
what is no longer on sale, flags the line whose max price cannot buy it, refuses the buy until "Send
anyway" is ticked, and says when the balance and each price were read."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from purchases.models import Item, Purchase
from sandbox.server import SandboxServer
from tests.factories import make_user

from .conftest import buy_ticked_items_for, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(moving_sandbox):
    return moving_sandbox


def catalog_item(sb: SandboxServer, index: int, *, price=None, days_old: float = 0) -> Item:
    listing = sb.state.catalog.listing("skinsback", "cs2", index)
    return Item.objects.create(
        provider="skinsback",
        provider_item_id=str(listing.id),
        name=listing.name,
        game="cs2",
        price=listing.price if price is None else price,
        available=True,
        synced_at=timezone.now() - timedelta(days=days_old),
    )


def dragon_lore(sb: SandboxServer) -> Item:
    listing = next(sb.state.catalog.by_name("skinsback", "cs2", "AWP | Dragon Lore (Field-Tested)"))
    return Item.objects.create(
        provider="skinsback",
        provider_item_id=str(listing.id),
        name=listing.name,
        game="cs2",
        price=listing.price,
        synced_at=timezone.now() - timedelta(minutes=2),  # recent: not read again
    )


def test_confirmation_rereads_flags_and_needs_the_tick(
    page, live_server, sandbox, operator, payout_holds_off
):
    make_user(display_name="Gabe Newell")
    fresh = catalog_item(sandbox, 0)
    repriced = catalog_item(sandbox, 1, price=Decimal("1.00"), days_old=3)  # the sandbox sells it dearer
    gone = catalog_item(sandbox, 9, days_old=3)  # listing id ends in 0: the sandbox does not sell it
    dear = dragon_lore(sandbox)  # 9,120.00 USD: the default max price is capped at 1,000.00 USD
    login(page, live_server, "olga.operator", "pw-olga.operator")

    page.goto(f"{live_server.url}{reverse('admin:purchases_item_changelist')}")
    assert page.locator("th.column-prices_read").count() == 1
    assert page.locator(f"tr:has(input[value='{repriced.pk}']) .bo-read").inner_text() == "3 days ago"
    screenshot(page, "buy_item_list_ages")
    for item in (fresh, repriced, gone, dear):
        page.check(f"input.action-select[value='{item.pk}']")
    buy_ticked_items_for(page, "Gabe", "Gabe Newell")

    assert sandbox.state.requests["market_search"] == 2  # the two stale items, before any buy
    assert not {"market_buy", "market_batch_buy"} & set(sandbox.state.requests)
    assert page.locator("#bo-lines tbody tr.bo-line").count() == 3
    assert "no longer on sale" not in page.locator("#bo-skipped").inner_text()
    assert gone.name in page.locator("#bo-skipped").inner_text()
    assert "2 checked, 1 changed, 1 no longer on sale" in page.locator("#bo-recheck").inner_text()
    assert re.fullmatch(r"read at \d\d:\d\d UTC, \d+ s ago", page.locator("#bo-balance-age").inner_text())
    repriced_row = page.locator(f"tr[data-key='i{repriced.pk}']")
    assert "was 1.00 USD" in repriced_row.inner_text() and "price read 0 s ago" in repriced_row.inner_text()
    dear_row = page.locator(f"tr[data-key='i{dear.pk}']")
    assert "bo-below" in dear_row.get_attribute("class")
    assert dear_row.locator(".bo-line-warning").is_visible()
    assert "9,120.00 USD" in dear_row.inner_text() and "price read 2 minutes ago" in dear_row.inner_text()
    assert page.locator("#bo-below-warning").is_visible()
    assert page.locator("#bo-below-count").inner_text() == "1"

    # editing a max price below the price flags that line too, live; putting it back clears it
    fresh_input = page.locator(f"#id_max_i{fresh.pk}")
    default = fresh_input.input_value()
    fresh_input.fill("0.01")
    assert page.locator("#bo-below-count").inner_text() == "2"
    assert page.locator(f"tr[data-key='i{fresh.pk}'] .bo-line-warning").is_visible()
    fresh_input.fill(default)
    assert page.locator("#bo-below-count").inner_text() == "1"
    screenshot(page, "buy_confirm_warnings")

    page.click("#bo-confirm-button")  # without the tick: refused, nothing created
    page.wait_for_selector("#bo-problems")
    assert "below the current price 9,120.00 USD" in page.locator("#bo-problems").inner_text()
    assert Purchase.objects.count() == 0
    screenshot(page, "buy_confirm_refused")

    page.check("#id_acknowledge")
    page.click("#bo-confirm-button")
    page.wait_for_url(re.compile(r".*/purchase/\?batch_id=[0-9a-f-]{36}$"))
    states = dict(Purchase.objects.values_list("item_name", "error_reason"))
    assert states[dear.name] == "skins_not_found_at_specified_price"  # sent as acknowledged
    assert set(Purchase.objects.exclude(item=dear).values_list("state", flat=True)) == {"in_progress"}
    assert Purchase.objects.get(item=repriced).max_price > Decimal("1.10")  # the re-read price, not 1.00


def test_demo_catalog_bought_in_bulk_is_not_refused(page, live_server, sandbox, operator):
    from purchases.demo import seed_demo

    seed_demo()
    make_user(display_name="Gabe Newell")
    login(page, live_server, "olga.operator", "pw-olga.operator")
    page.goto(f"{live_server.url}{reverse('admin:purchases_item_changelist')}?available__exact=1")
    screenshot(page, "buy_demo_catalog")
    page.check("#action-toggle")
    buy_ticked_items_for(page, "Gabe", "Gabe Newell")
    assert page.locator("#bo-skipped").count() == 0  # every demo item shown available is on sale there
    assert "0 changed, 0 no longer on sale" in page.locator("#bo-recheck").inner_text()
    screenshot(page, "buy_demo_confirm")
    page.check("#id_acknowledge")  # the Dragon Lore, above the cap
    page.click("#bo-confirm-button")
    page.wait_for_url("**batch_id=**")
    batch = Purchase.objects.exclude(batch_id=None)
    assert batch.count() == Item.objects.filter(available=True).count()  # the demo lists both providers
    assert set(batch.values_list("provider", flat=True)) == {"skinsback", "skinify"}
    assert "skin_unavailable" not in set(batch.values_list("error_reason", flat=True))
