"""The purchase page tells the whole story: events, provider calls and callbacks, merged, bounded queries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from purchases.models import ProviderCall, PurchaseEvent, WebhookEvent
from purchases.selectors import purchase_timeline
from tests.factories import make_purchase

pytestmark = pytest.mark.django_db


def call(at, subjects: str, **fields) -> ProviderCall:
    fields.setdefault("method", "market_getinfo")
    fields.setdefault("outcome", "ok")
    return ProviderCall.objects.create(provider="skinsback", started_at=at, subjects=subjects, **fields)


def callback(at, custom_id: str, buy_id: str, status: str = "accepted") -> WebhookEvent:
    data = {"buy_id": buy_id, "custom_id": custom_id, "offer_status": status, "item": {"id": "1"}}
    body = json.dumps({"event": "status_change", "data": data}, separators=(",", ":"))
    return WebhookEvent.objects.create(
        received_at=at, body=body, event="status_change", valid=True, processed=True
    )


def change(purchase, at, old_state: str, new_state: str, provider_status: str, source: str) -> PurchaseEvent:
    """A state change event of `purchase` at `at`."""
    return PurchaseEvent.objects.create(
        purchase=purchase,
        at=at,
        old_state=old_state,
        new_state=new_state,
        new_provider_status=provider_status,
        source=source,
    )


def story(start=None):
    start = start or timezone.now() - timedelta(minutes=30)
    purchase = make_purchase(
        custom_id="bo-story-1",
        buy_id="4242",
        state="on_hold",
        created_at=start,
        trade_offer_id="6021480571",
        hold_until=timezone.now() + timedelta(days=5, hours=3, minutes=10),
        in_hold=True,
    )
    PurchaseEvent.objects.create(purchase=purchase, at=start, new_state="pending", source="buy")
    call(
        start + timedelta(seconds=1),
        "bo-story-1",
        method="market_buy",
        response_excerpt='{"status":"success"}',
    )
    change(purchase, start + timedelta(seconds=2), "pending", "in_progress", "creating_trade", source="buy")
    callback(start + timedelta(seconds=3), "bo-story-1", "4242", "waiting_accept")
    call(start + timedelta(seconds=4), "4242 9999", request_excerpt='{"buy_ids":["4242","9999"]}')
    change(purchase, start + timedelta(seconds=5), "in_progress", "on_hold", "accepted", source="sync")
    return purchase


def test_events_calls_and_callbacks_merged_in_time_order():
    purchase = story()
    kinds = [entry.kind for entry in purchase_timeline(purchase)]
    assert kinds == ["event", "call", "event", "callback", "call", "event"]
    times = [entry.at for entry in purchase_timeline(purchase)]
    assert times == sorted(times)


def test_only_exact_tokens_match():
    purchase = story()
    start = purchase.created_at
    call(start + timedelta(seconds=6), "bo-story-10 bo-story-1x 42420")  # substrings, not the ids
    WebhookEvent.objects.create(received_at=start + timedelta(seconds=8), body='{"data":{"buy_id":"42421"}}')
    WebhookEvent.objects.create(
        received_at=start + timedelta(seconds=8), body='{"data":{"custom_id":"bo-story-12"}}'
    )
    ProviderCall.objects.create(
        provider="skinify", started_at=start, subjects="bo-story-1", method="x", outcome="ok"
    )
    kinds = [entry.kind for entry in purchase_timeline(purchase)]
    assert kinds.count("call") == 2 and kinds.count("callback") == 1


def test_calls_long_before_the_purchase_are_not_about_it():
    purchase = story()
    call(purchase.created_at - timedelta(days=3), "bo-story-1")
    assert [e.kind for e in purchase_timeline(purchase)].count("call") == 2


def test_the_page_shows_the_story(support_c):
    purchase = story()
    page = support_c.get(reverse("admin:purchases_purchase_change", args=[purchase.pk])).content.decode()
    timeline = page[page.index('class="bo-timeline"') :]
    assert timeline.count('class="bo-event ') == 6
    assert "skinsback.market_buy" in timeline and "skinsback.market_getinfo" in timeline
    assert "<details>" in timeline and "What we asked and what it answered" in timeline
    assert "waiting_accept" in timeline and "What the provider sent" in timeline
    assert timeline.index("market_buy") < timeline.index("Callback") < timeline.index("market_getinfo")
    # the trade offer, the hold end with a countdown
    assert 'href="https://steamcommunity.com/tradeoffer/6021480571/"' in page
    assert 'id="bo-hold"' in page and "in 5 days 3 hours" in page


def test_excerpts_are_redacted_again_on_display(support_c, settings):
    settings.SKINSBACK_CLIENT_SECRET = "very-secret-value-123"
    purchase = story()
    call(
        purchase.created_at + timedelta(seconds=9),
        "bo-story-1",
        request_excerpt="POST /api.php token=abcdef123 X-CLIENT-SECRET: very-secret-value-123",
    )
    page = support_c.get(reverse("admin:purchases_purchase_change", args=[purchase.pk])).content.decode()
    assert "very-secret-value-123" not in page and "abcdef123" not in page
    assert "token=***" in page


def test_replaced_and_replaced_by_links(support_c):
    old = make_purchase(custom_id="bo-old-1", state="failed")
    new = make_purchase(custom_id="bo-new-1", replaces=old)
    old_page = support_c.get(reverse("admin:purchases_purchase_change", args=[old.pk])).content.decode()
    new_page = support_c.get(reverse("admin:purchases_purchase_change", args=[new.pk])).content.decode()
    assert (
        'id="bo-replaced-by"' in old_page
        and reverse("admin:purchases_purchase_change", args=[new.pk]) in old_page
    )
    assert (
        'id="bo-replaces"' in new_page
        and reverse("admin:purchases_purchase_change", args=[old.pk]) in new_page
    )


def test_hold_that_ended_says_so(support_c):
    purchase = make_purchase(state="delivered", hold_until=timezone.now() - timedelta(hours=2, minutes=5))
    page = support_c.get(reverse("admin:purchases_purchase_change", args=[purchase.pk])).content.decode()
    assert "ended 2 hours 5 minutes ago" in page


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_do_not_grow_with_the_story(support_c, support):
    purchase = story()
    url = reverse("admin:purchases_purchase_change", args=[purchase.pk])
    small = count_queries(support_c, url)
    start = purchase.created_at
    for i in range(40):
        at = start + timedelta(seconds=10 + i)
        call(at, "bo-story-1")
        callback(at, "bo-story-1", "4242")
        PurchaseEvent.objects.create(purchase=purchase, at=at, source="sync", actor=support, message=f"m{i}")
    assert count_queries(support_c, url) == small
