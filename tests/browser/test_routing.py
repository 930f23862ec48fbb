"""Issue 22 in Chromium at 1440 px: a mixed batch. The operator ticks four catalog items; the confirmation
re-reads both providers' stale prices, buys two lines at SkinsBack and two at Skinify (where each is
cheapest), shows every provider's price and what the choice saves; the operator switches one line to the
dearer provider and submits; Skinify refuses one line (skin_unavailable) and it fails over to SkinsBack,
which the batch page shows. Both providers are the sandbox's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from purchases.models import Item, Purchase, Route
from purchases.money import usd
from purchases.services import default_max_price
from purchases.status import State
from tests.factories import make_user

from .conftest import buy_ticked_items_for, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

#: the sandbox's first listings: Redline FN and FT are cheaper at SkinsBack, MW and WW at Skinify
INDEXES = (0, 1, 2, 3)
SWITCHED = 2  # Redline FT: the operator buys it at Skinify, 0.58 USD dearer


def listed_at_both(sandbox, index: int) -> tuple[Item, Item]:
    """One skin at both providers, its prices read two hours ago (the confirmation reads them again)."""
    catalog = sandbox.state.catalog
    ours = catalog.listing("skinsback", "cs2", index)
    theirs = next(catalog.by_name("skinify", "csgo", ours.name))  # Skinify's CS2 is "csgo" there
    read = timezone.now() - timedelta(hours=2)
    return tuple(
        Item.objects.create(
            provider=provider,
            provider_item_id=str(listing.id),
            name=listing.name,
            game="cs2",
            price=listing.price,
            available=True,
            synced_at=read,
        )
        for provider, listing in (("skinsback", ours), ("skinify", theirs))
    )


def cheaper(pair: tuple[Item, Item]) -> Item:
    ours, theirs = pair
    return ours if ours.price <= theirs.price else theirs


def test_a_mixed_batch_is_routed_switched_and_a_refused_line_fails_over(
    page, live_server, sandbox, operator, payout_holds_off
):
    user = make_user(display_name="Gabe Newell")
    pairs = [listed_at_both(sandbox, index) for index in INDEXES]
    assert {cheaper(pair).provider for pair in pairs} == {"skinsback", "skinify"}
    login(page, live_server, "olga.operator", "pw-olga.operator")
    page.goto(f"{live_server.url}{reverse('admin:purchases_item_changelist')}")
    for ours, _ in pairs:  # picked from SkinsBack's catalog: the confirmation decides where each is bought
        page.check(f"input.action-select[value='{ours.pk}']")
    buy_ticked_items_for(page, "Gabe", "Gabe Newell")

    rows = page.locator("#bo-lines tbody tr.bo-line")
    assert rows.count() == len(pairs)
    for pair in pairs:
        row = page.locator(f"tr.bo-line[data-key='i{pair[0].pk}']")
        assert row.get_attribute("data-provider") == cheaper(pair).provider
        assert row.locator(".bo-price").inner_text() == usd(cheaper(pair).price)
        assert row.locator("li.bo-quote").count() == 2 and "saves" in row.locator(".bo-saving").inner_text()
    assert "re-read from SkinsBack and Skinify" in page.locator("#bo-recheck").inner_text()
    assert page.locator("#bo-balance-skinsback").inner_text() == "10,000.00 USD"
    assert page.locator("#bo-balance-skinify").inner_text() == "10,000.00 USD"
    assert "SkinsBack (2 lines)" in page.locator("#bo-providers").inner_text()
    screenshot(page, "routing_confirm")

    ours, theirs = pairs[SWITCHED]
    key = f"i{ours.pk}"
    page.select_option(f"#id_via_{key}", "skinify")
    switched = page.locator(f"tr.bo-line[data-key='{key}']")
    assert switched.locator(".bo-price").inner_text() == usd(theirs.price)
    assert page.locator(f"#id_max_{key}").input_value() == str(default_max_price(theirs.price))
    dearer = theirs.price - ours.price
    assert switched.locator(".bo-saving").inner_text() == f"costs {usd(dearer)} more than SkinsBack"
    assert "SkinsBack (1 line)" in page.locator("#bo-providers").inner_text()
    assert "Skinify (3 lines)" in page.locator("#bo-providers").inner_text()
    screenshot(page, "routing_confirm_switched")

    sandbox.state.inject("withdraw/buy", "error_skin_unavailable", times=1)  # Skinify refuses one line
    page.click("#bo-confirm-button")
    page.wait_for_url(re.compile(r".*/purchase/\?batch_id=[0-9a-f-]{36}$"))
    batch_id = page.url.rsplit("=", 1)[1]
    batch = list(Purchase.objects.filter(batch_id=batch_id).order_by("batch_line"))
    bought = {p.item_name: p for p in batch}
    assert len(batch) == len(pairs) and [p.provider for p in batch].count("skinify") == 3
    for index, pair in enumerate(pairs):
        purchase = bought[pair[0].name]
        if index == SWITCHED:  # the operator's choice, and what it cost against the best price
            assert (purchase.item, purchase.route, purchase.route_saving) == (theirs, Route.OPERATOR, -dearer)
        else:
            assert (purchase.item, purchase.route) == (cheaper(pair), Route.BEST)
            assert purchase.route_saving == abs(pair[0].price - pair[1].price)
        assert purchase.route_quotes == {item.provider: f"{item.price:f}" for item in pair}

    (refused,) = [p for p in batch if p.state == State.REJECTED]
    replacement = Purchase.objects.get(replaces=refused)
    assert refused.provider == "skinify" and refused.error_reason == "skin_unavailable"
    assert (replacement.provider, replacement.route) == ("skinsback", Route.FAILOVER)
    assert replacement.max_price == refused.max_price and replacement.steam_user_id == user.pk
    assert sandbox.state.buys_recorded[replacement.custom_id] == 1  # one buy per custom_id
    assert sandbox.state.buys_recorded[refused.custom_id] == 0
    listed = page.locator("#result_list").inner_text()
    assert replacement.custom_id in listed and refused.custom_id in listed
    assert page.locator("#result_list tbody tr").count() == len(batch) + 1
    screenshot(page, "routing_batch_failover")


def test_best_price_search_and_a_paused_provider_said_on_the_confirmation(
    page, live_server, sandbox, operator, payout_holds_off
):
    from purchases.policy.pause import pause_buying

    user = make_user(display_name="Robin Walker")
    pairs = [listed_at_both(sandbox, index) for index in (1, 3)]  # both cheaper at Skinify
    pause_buying(provider="skinify", actor=None, reason="top-up", source="test")
    login(page, live_server, "olga.operator", "pw-olga.operator")
    page.goto(f"{live_server.url}{reverse('admin:purchases_steamuser_buy', args=[user.pk])}")
    assert page.locator("#id_provider").input_value() == "best"  # the default with two providers
    assert "buys each line where it is cheapest" in page.locator("#bo-best-note").inner_text()
    page.fill("#id_name", "Redline")
    page.click("#bo-search input[type=submit]")
    page.wait_for_selector("#bo-results")
    for ours, _ in pairs:
        page.check(f"#bo-pick-{ours.provider_item_id}")
    screenshot(page, "routing_market_best_price")
    page.click("#bo-pick-submit")
    page.wait_for_url("**/purchase/buy/confirm/**")
    for ours, theirs in pairs:
        row = page.locator(f"tr.bo-line[data-key='i{ours.pk}']")
        assert row.get_attribute("data-provider") == "skinsback"  # Skinify is cheaper, but paused
        assert row.locator("select.bo-via").count() == 0
        assert "buying is paused" in row.locator("li.bo-quote-no").inner_text()
        assert usd(theirs.price) in row.locator("li.bo-quote-no").inner_text()
    screenshot(page, "routing_confirm_paused")
    page.click("#bo-confirm-button")
    page.wait_for_url("**batch_id=**")
    assert set(Purchase.objects.values_list("provider", flat=True)) == {"skinsback"}
