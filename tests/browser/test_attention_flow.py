"""Issue 21 point 3 in Chromium at 1440 px: Support works a needs-attention purchase to resolved. A purchase
SkinsBack does not know was asked about 24 times (one line in its timeline, not green), the next sync
escalates it with what to do; Support finds it under "taken by nobody", takes it, reads what to do next,
resolves it with a reason, and it leaves the queue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from purchases.models import ProviderCall, Purchase
from purchases.services import purchases_resolve
from tests.factories import make_purchase, make_user

from .conftest import ARTIFACTS, login, screenshot
from .pages_data import PASSWORD, staff

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "/admin/purchases/purchase/"


def unknown_to_skinsback() -> Purchase:
    """In progress for 3 hours under a buy_id SkinsBack does not know; the sync asked 24 times, a minute
    apart, and each answer omitted it."""
    sent = (timezone.now() - timedelta(hours=3)).replace(second=0, microsecond=0)
    purchase = make_purchase(
        steam_user=make_user(display_name="Mira Kovač"),
        item_name="AK-47 | Redline (Field-Tested)",
        state="in_progress",
        provider_status="waiting_accept",
        buy_id="990000123",
        price=Decimal("14.62"),
        max_price=Decimal("16.08"),
        created_at=sent,
        sent_at=sent,
    )
    ProviderCall.objects.bulk_create(
        ProviderCall(
            provider="skinsback",
            method="market_getinfo",
            started_at=sent + timedelta(minutes=1 + n),
            outcome="ok",
            http_status=200,
            duration_ms=84,
            subjects=f"{purchase.buy_id} 990000124",
            request_excerpt='POST /api/v1/ params={"buy_ids": ["990000123", "990000124"]}',
            response_excerpt='{"status":"success","items":[{"buy_id":"990000124","offer_status":"accepted"}]}',
        )
        for n in range(24)
    )
    return purchase


def test_support_works_a_flagged_purchase_to_resolved(page, live_server, sandbox):
    staff("sam.support", "Support")
    purchase = unknown_to_skinsback()
    purchases_resolve(purchases=[purchase], source="sync")  # the sandbox does not know it either
    purchase.refresh_from_db()
    assert purchase.needs_attention and purchase.attention_reason.startswith("Unknown to SkinsBack past")

    login(page, live_server, "sam.support", PASSWORD)
    page.goto(f"{live_server.url}{LIST}?attention=nobody")
    row = page.locator("#result_list tbody tr", has_text=purchase.custom_id)
    reason = row.locator(".bo-reason")
    shown, whole = reason.inner_text(), reason.get_attribute("title")
    assert shown.endswith("…") and whole.startswith(shown[:-1])
    assert whole[len(shown) - 1] in " :;,"  # cut between words, the whole text on hover
    assert "Unknown to SkinsBack for 3 hours, past its 10-minute offer window" in whole
    assert "Next: Open SkinsBack's balance history" in whole
    screenshot(page, "attention_list_nobody")

    row.locator("a.bo-purchase-link").click()
    page.wait_for_url(f"**/purchase/{purchase.pk}/change/")
    panel = page.locator("#bo-attention-panel")
    assert "Nobody has taken it yet." in panel.inner_text()
    assert "balance history around the time it was sent" in page.inner_text("#bo-next-step")
    calls = page.locator(".bo-timeline li.bo-event-call")
    assert calls.count() == 2  # the 24 lookups as one line, then the sync's own (offer_not_found)
    first = calls.nth(0).inner_text()
    assert "asked 24 times" in first and "SkinsBack does not know it" in first
    assert page.locator(".bo-timeline .bo-event-outcome-ok").count() == 0
    assert "not found · error 2" in calls.nth(1).inner_text()
    assert "Escalated: Unknown to SkinsBack" in page.inner_text(".bo-timeline")
    screenshot(page, "attention_purchase_flagged")
    panel.screenshot(path=str(ARTIFACTS / "attention_panel.png"))
    page.locator(".bo-timeline").screenshot(path=str(ARTIFACTS / "attention_timeline.png"))

    page.click("#bo-take")
    page.wait_for_selector("#bo-release")
    assert "Taken by sam.support (you)." in page.inner_text("#bo-owner")
    page.goto(f"{live_server.url}{LIST}?attention=mine")
    assert page.locator("#result_list tbody tr", has_text=purchase.custom_id).count() == 1
    assert "taken by sam.support" in page.inner_text("#result_list")
    screenshot(page, "attention_list_mine")
    page.click(f"text={purchase.custom_id}")
    page.wait_for_url(f"**/purchase/{purchase.pk}/change/")

    page.click("#bo-resolve")  # no reason: the browser asks for one, nothing is sent
    assert page.locator("#bo-because").evaluate("el => !el.validity.valid")
    assert Purchase.objects.get(pk=purchase.pk).needs_attention
    because = "No debit in SkinsBack's balance history: never reached it. Bought again from the buy page."
    page.fill("#bo-because", because)
    screenshot(page, "attention_resolving")
    page.click("#bo-resolve")
    page.wait_for_selector("#bo-resolved")
    assert f"Resolved, because: {because}" in page.inner_text("#bo-resolved")
    assert "sam.support" in page.inner_text("#bo-resolved")
    assert f"Resolved {purchase.custom_id}: out of" in page.inner_text(".messagelist")
    assert f"Resolved, because: {because}" in page.inner_text(".bo-timeline")
    screenshot(page, "attention_resolved")

    page.goto(f"{live_server.url}{LIST}?attention=yes")
    assert page.locator("#result_list tbody tr", has_text=purchase.custom_id).count() == 0
    purchases_resolve(purchases=[Purchase.objects.get(pk=purchase.pk)], source="sync")
    assert not Purchase.objects.get(pk=purchase.pk).needs_attention  # the next sync leaves it resolved
