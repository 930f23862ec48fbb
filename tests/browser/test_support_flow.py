"""Support's day: log in, find a purchase from the index box, read its whole story, open the user's
inventory, see no way to buy. Then an operator finds a purchase only the provider knows and imports it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from purchases.models import Purchase, PurchaseEvent, WebhookEvent
from purchases.roles import setup_roles
from purchases.services import purchases_resolve
from tests.factories import make_purchase, make_user

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

VENDOR_STEAM_ID = "76561198050648523"  # the sandbox answers this user's inventory with the vendor's example
PASSWORD = "Support-flow-pw-2024"


def staff(username: str, group: str):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def purchase_with_a_story(sandbox) -> Purchase:
    """Sent, answer lost, then refreshed from the sandbox (a provider call) and a callback received."""
    sandbox.state.create_purchases("skinsback", ["bo-support-0001"], status="waiting_accept")
    purchase = make_purchase(
        custom_id="bo-support-0001",
        state="unconfirmed",
        steam_user=make_user(steam_id=VENDOR_STEAM_ID),
        item_name="AK-47 | Redline (Field-Tested)",
    )
    PurchaseEvent.objects.create(
        purchase=purchase,
        at=purchase.created_at,
        new_state="unconfirmed",
        source="buy",
        message="the buy answer was lost",
    )
    purchases_resolve(purchases=[purchase], source="sync")
    purchase.refresh_from_db()
    body = {
        "event": "status_change",
        "data": {
            "custom_id": purchase.custom_id,
            "buy_id": purchase.buy_id,
            "offer_status": "waiting_accept",
            "item": {"id": "1"},
        },
    }
    WebhookEvent.objects.create(
        received_at=purchase.created_at + timedelta(seconds=1),
        event="status_change",
        valid=True,
        processed=True,
        body=json.dumps(body, separators=(",", ":")),
    )
    return purchase


def test_support_finds_reads_the_story_and_cannot_buy(page, live_server, sandbox):
    setup_roles()
    staff("sam.support", "Support")
    purchase = purchase_with_a_story(sandbox)
    assert purchase.state == "in_progress" and purchase.buy_id

    login(page, live_server, "sam.support", PASSWORD)
    page.wait_for_selector("#bo-dashboard")
    assert "10,000.00 USD" in page.inner_text("#bo-providers")
    assert page.locator("#bo-attention-link").is_visible()
    screenshot(page, "support_dashboard")

    page.fill("#bo-find-q", purchase.custom_id)
    page.press("#bo-find-q", "Enter")
    page.wait_for_url(f"**/admin/purchases/purchase/{purchase.pk}/change/")
    timeline = page.locator(".bo-timeline li")
    texts = [timeline.nth(i).inner_text() for i in range(timeline.count())]
    assert any("Provider call" in t and "market_getinfo" in t for t in texts)
    assert any("Callback" in t and "status_change" in t for t in texts)
    assert any("Unconfirmed" in t and "In progress" in t for t in texts)  # the refresh: old → new
    page.locator(".bo-event-call summary").first.click()
    assert "custom_ids" in page.locator(".bo-event-call pre").first.inner_text()
    screenshot(page, "support_purchase_story")

    page.click("text=Steam inventory")
    page.wait_for_url(f"**/admin/inventory/{VENDOR_STEAM_ID}/**")
    page.wait_for_selector("#inv-grid")
    assert page.locator("#inv-grid .inv-card").count() == 17  # the vendor example, disabled items included
    screenshot(page, "support_inventory")

    page.goto(f"{live_server.url}/admin/purchases/purchase/")
    options = page.locator("select[name=action] option").evaluate_all("els => els.map(e => e.value)")
    assert "buy_again" not in options and "refresh_status" in options and "export_csv" in options
    screenshot(page, "support_purchase_list")


def test_operator_imports_a_purchase_only_the_provider_knows(page, live_server, sandbox):
    setup_roles()
    staff("olga.operator", "Operators")
    [bought] = sandbox.state.create_purchases("skinsback", ["shop-only-0042"], status="waiting_accept")

    login(page, live_server, "olga.operator", PASSWORD)
    page.fill("#bo-find-q", "shop-only-0042")
    page.press("#bo-find-q", "Enter")
    page.wait_for_selector("#bo-found-skinsback")
    found = page.inner_text("#bo-found-skinsback")
    assert str(bought.buy_id) in found and bought.listing.name in found
    screenshot(page, "operator_found_at_provider")

    page.click("input[value='Import this purchase']")
    page.wait_for_selector(".bo-timeline")
    imported = Purchase.objects.get(custom_id="shop-only-0042")
    assert imported.imported and imported.buy_id == str(bought.buy_id)
    assert page.url.endswith(f"/admin/purchases/purchase/{imported.pk}/change/")
    assert "Imported shop-only-0042" in page.inner_text(".messagelist")
    assert "by olga.operator" in page.inner_text(".bo-timeline")
    screenshot(page, "operator_imported")

    page.goto(f"{live_server.url}/admin/purchases/purchase/find/?q=nobody-knows-this")
    assert "No purchase with this id" in page.inner_text("#bo-find-none")
    screenshot(page, "operator_not_found")
