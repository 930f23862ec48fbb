"""Issue 13 point 5: a callback says which purchase it was about, what it said and whether it changed
anything; the list is searched by exact custom_id on its own index; purchase events list newest first."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from purchases.models import PurchaseEvent, WebhookEvent
from purchases.selectors import purchase_timeline
from purchases.status import State
from tests.factories import make_purchase, make_user

from .helpers import SECRET, queries, send_callback

pytestmark = pytest.mark.django_db
WEBHOOKS_URL = reverse("admin:purchases_webhookevent_changelist")
EVENTS_URL = reverse("admin:purchases_purchaseevent_changelist")


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.SKINSBACK_WEBHOOK_SECRET = SECRET


def open_purchase(**fields):
    fields.setdefault("buy_id", "7001")
    return make_purchase(state=State.IN_PROGRESS, provider_status="creating_trade", **fields)


def test_a_callback_that_changes_the_purchase_records_what_it_did(client):
    purchase = open_purchase(custom_id="bo-triage-1")
    send_callback(client, purchase, "waiting_accept")
    callback = WebhookEvent.objects.get()
    assert (callback.custom_id, callback.offer_status) == ("bo-triage-1", "waiting_accept")
    assert callback.purchase == purchase and callback.changed is True
    assert callback.purchase_event == PurchaseEvent.objects.get(purchase=purchase, source="webhook")


def test_a_replay_is_recorded_as_no_change(client):
    purchase = open_purchase(custom_id="bo-triage-2")
    send_callback(client, purchase, "waiting_accept")
    send_callback(client, purchase, "waiting_accept")
    send_callback(client, purchase, "creating_trade")  # older than what we have
    first, replay, older = WebhookEvent.objects.order_by("id")
    assert first.changed is True
    assert replay.changed is False and older.changed is False
    assert replay.purchase == purchase and replay.purchase_event is None


def test_a_callback_about_an_unknown_purchase_keeps_what_it_said(client):
    purchase = open_purchase(custom_id="bo-triage-3")
    purchase_pk, purchase.custom_id, purchase.buy_id = purchase.pk, "bo-nobody-here", "999999"
    send_callback(client, purchase, "accepted")
    callback = WebhookEvent.objects.get()
    assert callback.custom_id == "bo-nobody-here" and callback.offer_status == "accepted"
    assert callback.purchase is None and not callback.processed
    assert PurchaseEvent.objects.filter(purchase_id=purchase_pk).count() == 0


def test_the_callback_list_shows_custom_id_purchase_link_offer_status_and_outcome(client, admin_client_):
    purchase = open_purchase(custom_id="bo-triage-4", item_name="AWP | Asiimov (Battle-Scarred)")
    send_callback(client, purchase, "waiting_accept")
    send_callback(client, purchase, "waiting_accept")
    page = admin_client_.get(WEBHOOKS_URL).content.decode()
    assert "bo-triage-4" in page and "waiting_accept" in page
    assert reverse("admin:purchases_purchase_change", args=[purchase.pk]) in page
    assert "AWP | Asiimov (Battle-Scarred)" in page
    assert "applied" in page and "no change" in page


def test_the_callback_search_is_exact_and_uses_the_index(client, admin_client_):
    wanted = open_purchase(custom_id="bo-abc123", buy_id="7101")
    other = open_purchase(custom_id="bo-abc1234", buy_id="7102")
    send_callback(client, wanted, "waiting_accept")
    send_callback(client, other, "waiting_accept")

    def found(term):
        return [c.custom_id for c in admin_client_.get(WEBHOOKS_URL, {"q": term}).context["cl"].result_list]

    assert found("bo-abc123") == ["bo-abc123"]
    assert found("  bo-abc123 ") == ["bo-abc123"]
    assert found("abc12") == [] and found("bo-abc12") == []
    with CaptureQueriesContext(connection) as ctx:
        admin_client_.get(WEBHOOKS_URL, {"q": "bo-abc123"})
    sql = " ".join(q["sql"] for q in ctx.captured_queries if "purchases_webhookevent" in q["sql"]).upper()
    assert " LIKE " not in sql and '"CUSTOM_ID" = ' in sql
    index_names = {index.name for index in WebhookEvent._meta.indexes}
    assert "webhook_custom_id_idx" in index_names


def test_the_callback_list_queries_do_not_grow_with_rows(client, admin_client_):
    def add(n: int) -> None:
        for _ in range(n):
            purchase = open_purchase(steam_user=make_user(), buy_id=str(8000 + WebhookEvent.objects.count()))
            send_callback(client, purchase, "waiting_accept")

    add(1)
    queries(admin_client_, WEBHOOKS_URL)  # warm-up
    one, response = queries(admin_client_, WEBHOOKS_URL)
    assert len(response.context["cl"].result_list) == 1
    add(99)
    hundred, response = queries(admin_client_, WEBHOOKS_URL)
    assert len(response.context["cl"].result_list) == 100
    assert one == hundred, f"{one} queries for 1 callback, {hundred} for 100"


def test_the_timeline_says_no_change_and_shows_an_applied_callback_once(client, support_c):
    purchase = open_purchase(custom_id="bo-triage-5")
    send_callback(client, purchase, "waiting_accept")
    send_callback(client, purchase, "waiting_accept")
    timeline = purchase_timeline(purchase)
    assert [entry.kind for entry in timeline] == ["callback", "callback"]
    applied, replay = timeline
    assert applied.change is not None and applied.change.new_provider_status == "waiting_accept"
    assert replay.change is None
    page = support_c.get(reverse("admin:purchases_purchase_change", args=[purchase.pk])).content.decode()
    story = page[page.index('class="bo-timeline"') :]
    assert story.count('class="bo-event ') == 2
    assert story.count("no change") == 1 and story.count(">applied<") == 1


def test_purchase_events_list_newest_first(admin_client_):
    purchase = make_purchase()
    now = timezone.now()
    for minutes in (30, 10, 20):
        PurchaseEvent.objects.create(
            purchase=purchase, at=now - timedelta(minutes=minutes), source="sync", new_state="in_progress"
        )
    listed = list(admin_client_.get(EVENTS_URL).context["cl"].result_list)
    assert [e.at for e in listed] == sorted((e.at for e in listed), reverse=True)
    assert "event_at_idx" in {index.name for index in PurchaseEvent._meta.indexes}


def test_the_migration_backfills_older_callbacks(client):
    migration = importlib.import_module("purchases.migrations.0005_webhook_triage_and_event_order")
    purchase = open_purchase(custom_id="bo-triage-6")
    send_callback(client, purchase, "waiting_accept")
    WebhookEvent.objects.update(custom_id="", offer_status="", purchase=None)
    WebhookEvent.objects.create(body="not json", valid=False)
    from django.apps import apps

    migration.backfill(apps, None)
    old, garbled = WebhookEvent.objects.order_by("id")
    assert (old.custom_id, old.offer_status, old.purchase_id) == (
        "bo-triage-6",
        "waiting_accept",
        purchase.pk,
    )
    assert (garbled.custom_id, garbled.offer_status, garbled.purchase_id) == ("", "", None)
