"""Issue 13 points 4 and 5 at 1440 px with the sidebar open: a failed purchase's page answers first (amount,
debit and refund, state and reason in words, Buy again), then the timeline, where an applied callback is
one line and a replay says "no change"; the callback list finds it by exact custom_id and links to it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from purchases.models import Purchase, PurchaseEvent, WebhookEvent
from tests.factories import make_purchase, make_user
from tests.integration.pages.helpers import SECRET, send_callback

from .conftest import VIEWPORT, login, screenshot
from .pages_data import PASSWORD, staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _signed_callbacks(sandbox, settings):
    settings.SKINSBACK_WEBHOOK_SECRET = SECRET


def failed_by_callback() -> Purchase:
    """Bought (14.62 debited), then a callback said trade_create_error, then the same callback again."""
    purchase = make_purchase(
        steam_user=make_user(display_name="Gabe Newell"),
        item_name="AK-47 | Redline (Field-Tested)",
        state="in_progress",
        provider_status="creating_trade",
        buy_id="130000777",
        price=Decimal("14.62"),
        balance_debited=Decimal("14.62"),
        max_price=Decimal("16.08"),
    )
    PurchaseEvent.objects.create(purchase=purchase, new_state="pending", source="admin", message="created")
    PurchaseEvent.objects.create(
        purchase=purchase,
        old_state="pending",
        new_state="in_progress",
        new_provider_status="creating_trade",
        source="buy",
    )
    client = Client()
    send_callback(client, purchase, "trade_create_error")
    send_callback(client, purchase, "trade_create_error")  # the provider sent it twice
    purchase.refresh_from_db()
    assert purchase.state == "failed"
    return purchase


def in_first_screen(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return (
        box is not None
        and box["y"] + box["height"] <= VIEWPORT["height"]
        and box["x"] + box["width"] <= VIEWPORT["width"]
    )


def test_a_failed_purchase_page_answers_first(page, live_server):
    staff("olga.operator", "Operators")
    purchase = failed_by_callback()
    login(page, live_server, "olga.operator", PASSWORD)
    page.goto(f"{live_server.url}{reverse('admin:purchases_purchase_change', args=[purchase.pk])}")
    assert page.locator("#main.shifted").count() == 1  # the sidebar is open
    for selector in ("#bo-amount", "#bo-money-note", "#bo-state", "#bo-reason", "#bo-buy-again"):
        assert in_first_screen(page, selector), selector
    assert page.inner_text("#bo-amount") == "14.62 USD"
    assert "not documented" in page.inner_text("#bo-money-note")
    assert "could not create the trade offer" in page.inner_text("#bo-reason")
    lines = page.locator(".bo-timeline li")
    texts = [lines.nth(i).inner_text() for i in range(lines.count())]
    assert len(texts) == 4  # created, bought, the callback that failed it (one line), its repeat
    assert "applied" in texts[2] and "Failed" in texts[2]
    assert "no change" in texts[3]
    screenshot(page, "purchase_failed")

    page.click("#bo-buy-again")
    page.wait_for_url("**/purchase/buy/confirm/**")
    assert f"replaces {purchase.custom_id}" in page.inner_text("#content")
    assert Purchase.objects.count() == 1  # nothing bought before the confirmation


def test_support_triages_callbacks_by_exact_custom_id(page, live_server):
    staff("sam.support", "Support")
    purchase = failed_by_callback()
    other = make_purchase(state="in_progress", provider_status="creating_trade", buy_id="130000778")
    send_callback(Client(), other, "waiting_accept")
    login(page, live_server, "sam.support", PASSWORD)
    page.goto(f"{live_server.url}{reverse('admin:purchases_webhookevent_changelist')}")
    assert page.locator("#result_list tbody tr").count() == 3
    page.fill("#searchbar", f"  {purchase.custom_id} ")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert "trade_create_error" in rows.nth(0).inner_text()
    outcomes = page.locator("#result_list td.field-outcome").all_inner_texts()
    assert sorted(outcomes) == ["applied", "no change"]
    screenshot(page, "webhook_events")
    page.fill("#searchbar", purchase.custom_id[:-2])  # a prefix is not a custom_id
    page.press("#searchbar", "Enter")
    page.wait_for_url(f"**q={purchase.custom_id[:-2]}")
    assert page.locator("#result_list tbody tr").count() == 0
    page.go_back()
    page.locator("#result_list td.field-purchase_link a").first.click()
    page.wait_for_url(f"**/purchase/{purchase.pk}/change/")
    assert WebhookEvent.objects.filter(purchase=purchase).count() == 2
