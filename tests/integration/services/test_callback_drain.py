"""Callback intake: the view stores and acknowledges; the drain applies what is stored, in the order received,
exactly once (services/callback_drain.py). The view-level behaviour (signatures, replays, stale statuses)
is in test_webhooks.py: there the task cluster runs inline, so each POST is applied before it returns."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule

from purchases.models import PurchaseEvent, WebhookEvent
from purchases.schedules import SCHEDULES
from purchases.services import callback_drain
from purchases.services.callback_drain import (
    KICK_KEY,
    Kicker,
    callbacks_apply_pending,
    claim_pending,
    kick,
)
from purchases.status import State
from tests.factories import make_purchase
from tests.integration.scale.helpers import postgres_test

from .test_webhooks import SECRET, post, status_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings, clean_cache):
    settings.SKINSBACK_WEBHOOK_SECRET = SECRET


def store(payload: dict, *, at=None) -> WebhookEvent:
    """A signed callback as the view stores it, not applied."""
    body = json.dumps(payload)
    return WebhookEvent.objects.create(
        provider="skinsback",
        body=body,
        size=len(body),
        digest=hashlib.sha256(body.encode()).hexdigest(),
        valid=True,
        received_at=at or timezone.now(),
    )


def open_purchase(buy_id: str, status: str = "creating_trade"):
    return make_purchase(state=State.IN_PROGRESS, buy_id=buy_id, provider_status=status)


def steps(purchase) -> list[tuple[str, str]]:
    events = PurchaseEvent.objects.filter(purchase=purchase, source="webhook").order_by("pk")
    return [(e.old_provider_status, e.new_provider_status) for e in events]


# --- stored first, acknowledged, applied afterwards ----------------------------------------------------


def test_a_callback_is_stored_and_acknowledged_before_it_is_applied(client, monkeypatch):
    monkeypatch.setattr(callback_drain, "stored", lambda: None)  # no drain follows the POST
    purchase = open_purchase("71")
    assert post(client, status_change(purchase, "waiting_accept")).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.valid and not event.processed and not event.error  # pending
    assert WebhookEvent.objects.filter(WebhookEvent.PENDING).count() == 1
    purchase.refresh_from_db()
    assert purchase.provider_status == "creating_trade"
    report = callbacks_apply_pending()
    assert (report.claimed, report.applied, report.changed) == (1, 1, 1)
    purchase.refresh_from_db()
    event.refresh_from_db()
    assert purchase.provider_status == "waiting_accept"
    assert event.processed and event.changed and event.purchase == purchase
    assert event.purchase_event.new_provider_status == "waiting_accept"


def test_the_callback_is_kept_when_applying_it_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the apply broke")

    monkeypatch.setattr(callback_drain, "apply_claimed", broken)
    purchase = open_purchase("72")
    response = post(client, status_change(purchase, "waiting_accept"))
    assert response.status_code == 200  # stored: the provider must not resend
    event = WebhookEvent.objects.get()
    assert event.valid and json.loads(event.body)["data"]["offer_status"] == "waiting_accept"
    assert not event.processed and not event.error and event.claimed_until is not None
    assert cache.get(KICK_KEY) is None  # the failed drain does not keep the next callbacks from kicking
    monkeypatch.undo()
    # the failed drain's lease lapses; the next drain (the schedule's, at the latest) applies it
    WebhookEvent.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert callbacks_apply_pending().applied == 1
    purchase.refresh_from_db()
    assert purchase.provider_status == "waiting_accept"


def test_a_kick_that_cannot_enqueue_still_answers_2xx(client, monkeypatch):
    def no_broker():
        raise ConnectionError("broker down")

    monkeypatch.setattr(callback_drain, "stored", no_broker)
    purchase = open_purchase("73")
    assert post(client, status_change(purchase, "waiting_accept")).status_code == 200
    assert WebhookEvent.objects.filter(WebhookEvent.PENDING).count() == 1  # the schedule applies it


# --- order, replays, exactly once --------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 2, 200])
def test_the_drain_applies_in_received_order_whatever_the_ids(batch):
    now = timezone.now()
    purchase, other = open_purchase("81"), open_purchase("82")
    # stored out of id order: the later status has the lower id but was received last
    store(status_change(purchase, "canceled"), at=now)
    store(status_change(purchase, "waiting_accept"), at=now - timedelta(seconds=2))
    store(status_change(other, "waiting_accept"), at=now - timedelta(seconds=1))
    report = callbacks_apply_pending(batch=batch)
    assert (report.claimed, report.applied, report.changed, report.failed) == (3, 3, 3, 0)
    assert steps(purchase) == [("creating_trade", "waiting_accept"), ("waiting_accept", "canceled")]
    assert steps(other) == [("creating_trade", "waiting_accept")]
    purchase.refresh_from_db()
    assert (purchase.state, purchase.provider_status) == (State.FAILED, "canceled")
    # each callback names the event it wrote
    linked = WebhookEvent.objects.order_by("received_at").values_list("purchase_event__new_provider_status")
    assert [s for (s,) in linked] == ["waiting_accept", "waiting_accept", "canceled"]


def test_replays_and_older_statuses_change_nothing_in_a_batch():
    purchase = open_purchase("83")
    waiting = status_change(purchase, "waiting_accept", tradeofferid="4176876858")
    for payload in (waiting, waiting, status_change(purchase, "creating_trade"), waiting):
        store(payload)
    report = callbacks_apply_pending()
    assert (report.claimed, report.applied, report.changed) == (4, 4, 1)
    assert steps(purchase) == [("creating_trade", "waiting_accept")]
    purchase.refresh_from_db()
    assert (purchase.provider_status, purchase.trade_offer_id) == ("waiting_accept", "4176876858")
    outcomes = list(WebhookEvent.objects.order_by("received_at", "pk").values_list("processed", "changed"))
    assert outcomes == [(True, True), (True, False), (True, False), (True, False)]
    # applied once: a second drain finds nothing, and a replay stored later changes nothing either
    assert callbacks_apply_pending().claimed == 0
    store(waiting)
    assert callbacks_apply_pending().changed == 0
    assert len(steps(purchase)) == 1


def test_callbacks_that_name_no_purchase_or_are_garbage_are_settled_with_an_error():
    purchase = open_purchase("84")
    unknown = status_change(purchase, "waiting_accept")
    unknown["data"].update(custom_id="nobody", buy_id="999999")
    store(unknown)
    store({"event": "balance_change", "data": {"balance_value": "12.50"}})
    garbage = WebhookEvent.objects.create(provider="skinsback", body="not json", valid=True)
    report = callbacks_apply_pending()
    assert (report.claimed, report.applied, report.failed) == (3, 1, 2)
    garbage.refresh_from_db()
    assert not garbage.processed and "JSON" in garbage.error
    assert not WebhookEvent.objects.filter(WebhookEvent.PENDING).exists()


def test_a_change_that_loses_its_race_is_judged_again_against_the_row_that_won(monkeypatch):
    purchase = open_purchase("85")
    store(status_change(purchase, "canceled"))
    real = callback_drain.write_changes

    def sync_writes_first(changes, *args, **kwargs):
        # the sync wrote meanwhile: the compare-and-set on creating_trade fails
        type(purchase).objects.filter(pk=purchase.pk).update(provider_status="waiting_accept")
        return real(changes, *args, **kwargs)

    monkeypatch.setattr(callback_drain, "write_changes", sync_writes_first)
    assert callbacks_apply_pending().changed == 1
    assert steps(purchase) == [("waiting_accept", "canceled")]  # judged against what won
    event = WebhookEvent.objects.get()
    assert event.processed and event.changed and event.purchase_event is not None


def test_a_failed_batch_is_applied_one_by_one_and_a_poisoned_callback_is_marked(monkeypatch):
    first, second = open_purchase("86"), open_purchase("87")
    store(status_change(first, "waiting_accept"))
    poisoned = store(status_change(second, "waiting_accept"))

    def batch_breaks(events):
        raise RuntimeError("batch broke")

    real_process = callback_drain.process_callback

    def poison(event):
        if event.pk == poisoned.pk:
            raise RuntimeError("poison")
        return real_process(event)

    monkeypatch.setattr(callback_drain, "_apply_batch", batch_breaks)
    monkeypatch.setattr(callback_drain, "process_callback", poison)
    report = callbacks_apply_pending()
    assert (report.claimed, report.applied, report.failed) == (2, 1, 1)
    assert steps(first) == [("creating_trade", "waiting_accept")]
    poisoned.refresh_from_db()
    assert not poisoned.processed and poisoned.error == callback_drain.APPLY_FAILED
    assert callbacks_apply_pending().claimed == 0  # not taken again and again


def test_a_claimed_callback_is_not_taken_again_until_its_lease_lapses():
    purchase = open_purchase("88")
    event = store(status_change(purchase, "waiting_accept"))
    now = timezone.now()
    assert [e.pk for e in claim_pending(10, now=now)] == [event.pk]
    assert claim_pending(10, now=now) == []  # another drain: nothing to take
    assert callbacks_apply_pending().claimed == 0
    lapsed = now + callback_drain.LEASE + timedelta(seconds=1)  # the first drain died
    assert [e.pk for e in claim_pending(10, now=lapsed)] == [event.pk]


def test_the_drain_stops_at_its_limit_and_says_what_is_left():
    purchase = open_purchase("89")
    for status in ("waiting_accept", "canceled"):
        store(status_change(purchase, status))
    report = callbacks_apply_pending(limit=1)
    assert (report.claimed, report.left) == (1, True)
    assert callbacks_apply_pending().claimed == 1
    assert steps(purchase) == [("creating_trade", "waiting_accept"), ("waiting_accept", "canceled")]


# --- the kick and the schedule ------------------------------------------------------------------------


def test_each_callback_posted_in_a_row_is_applied_before_its_answer(client):
    """The task cluster runs inline in tests: each POST kicks, and each drain lets go of the key."""
    purchase = open_purchase("91")
    for status, state in (("waiting_accept", State.IN_PROGRESS), ("canceled", State.FAILED)):
        assert post(client, status_change(purchase, status)).status_code == 200
        purchase.refresh_from_db()
        assert (purchase.provider_status, purchase.state) == (status, state)
    assert cache.get(KICK_KEY) is None


def test_a_kick_enqueues_only_while_no_drain_is_asked_for_or_running(monkeypatch):
    enqueued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, **kw: enqueued.append(func))
    assert kick() is True
    assert kick() is False  # the key is there: a drain was asked for
    assert enqueued == ["purchases.tasks.apply_callbacks"]
    callbacks_apply_pending()  # a drain ends by letting go of the key
    assert kick() is True and len(enqueued) == 2


def test_the_process_kicker_answers_every_mark_with_a_later_kick(monkeypatch):
    """A mark made while the kicker is busy kicking is answered by another kick that starts after it."""
    calls, first_entered, release = [], threading.Event(), threading.Event()
    second = threading.Event()

    def slow_kick():
        calls.append(1)
        if len(calls) == 1:
            first_entered.set()
            release.wait(10)
        else:
            second.set()
        return True

    monkeypatch.setattr(callback_drain, "kick", slow_kick)
    monkeypatch.setattr(callback_drain, "close_old_connections", lambda: None)
    kicker = Kicker(window=0.01)
    kicker.mark()
    assert first_entered.wait(10)
    kicker.mark()  # stored while the first kick runs
    release.set()
    assert second.wait(10)
    assert len(calls) >= 2


def test_the_drain_is_scheduled_every_minute():
    [entry] = [s for s in SCHEDULES if s["func"] == "purchases.tasks.apply_callbacks"]
    assert (entry["schedule_type"], entry["minutes"]) == (Schedule.MINUTES, 1)


def test_the_task_reports_what_it_applied():
    from purchases.tasks import apply_callbacks

    store(status_change(open_purchase("92"), "waiting_accept"))
    assert apply_callbacks() == {
        "claimed": 1,
        "applied": 1,
        "changed": 1,
        "failed": 0,
        "batches": 1,
        "busy": False,
        "left": False,
    }


# --- PostgreSQL: two drains at once ----------------------------------------------------------------------


def _in_thread(function, *args, **kwargs):
    """Run in a thread of its own (its own connection), returning what it returned."""
    result, failure = [], []

    def run():
        try:
            result.append(function(*args, **kwargs))
        except Exception as error:  # pragma: no cover - shown by the assertion
            failure.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result, failure


@postgres_test
@pytest.mark.django_db(transaction=True)
def test_two_claims_at_once_never_take_the_same_callback():
    purchases = [open_purchase(str(900 + i)) for i in range(6)]
    events = [store(status_change(p, "waiting_accept")) for p in purchases]
    holding, go_on = threading.Event(), threading.Event()

    def first_claim():
        from django.db import transaction

        with transaction.atomic():  # holds its rows' locks until go_on
            taken = claim_pending(3)
            holding.set()
            go_on.wait(30)
        return taken

    thread, first, failure = _in_thread(first_claim)
    assert holding.wait(30)
    second = claim_pending(10)  # skips the locked rows, takes the others
    go_on.set()
    thread.join(30)
    assert not failure
    assert {e.pk for e in first[0]}.isdisjoint({e.pk for e in second})
    assert {e.pk for e in first[0]} | {e.pk for e in second} == {e.pk for e in events}
    assert claim_pending(10) == []


@postgres_test
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_apply_each_callback_exactly_once():
    purchases = [open_purchase(str(950 + i)) for i in range(20)]
    for status in ("waiting_accept", "canceled"):
        for purchase in purchases:
            store(status_change(purchase, status))
    runs = [_in_thread(callbacks_apply_pending, batch=3) for _ in range(2)]
    for thread, _, _ in runs:
        thread.join(60)
    assert not [f for _, _, failure in runs for f in failure]
    reports = [result[0] for _, result, _ in runs]
    assert sum(r.claimed for r in reports) == 40
    assert WebhookEvent.objects.filter(processed=True, changed=True).count() == 40
    for purchase in purchases:
        assert steps(purchase) == [("creating_trade", "waiting_accept"), ("waiting_accept", "canceled")]


@postgres_test
def test_the_claim_reads_the_pending_index_not_the_table():
    done = [
        WebhookEvent(provider="skinsback", body="{}", valid=True, processed=True, received_at=timezone.now())
        for _ in range(5000)
    ]
    WebhookEvent.objects.bulk_create(done)
    store(status_change(open_purchase("990"), "waiting_accept"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE purchases_webhookevent")
    plan = callback_drain._free(timezone.now()).order_by("received_at", "pk")[:200].explain()
    assert "webhook_pending_idx" in plan and "Seq Scan" not in plan
