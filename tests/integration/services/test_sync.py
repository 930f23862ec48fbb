"""The status sync against the sandbox: batching, state moves with events, pauses, overlapping runs."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from purchases.models import Purchase, PurchaseEvent
from purchases.services import purchases_sync
from purchases.status import State
from tests.factories import make_user

from .helpers import buy, sandbox_items, states

pytestmark = pytest.mark.django_db(transaction=True)


def open_purchases_in_sandbox(sandbox, count: int, *, state=State.IN_PROGRESS, with_buy_id=True):
    user = make_user()
    custom_ids = [f"sync-{i:05d}" for i in range(count)]
    remote = sandbox.state.create_purchases("skinsback", custom_ids)
    return Purchase.objects.bulk_create(
        Purchase(
            provider="skinsback",
            custom_id=r.custom_id,
            buy_id=str(r.buy_id) if with_buy_id else None,
            steam_user=user,
            item_name="x",
            max_price=5,
            state=state,
            sent_at=timezone.now(),
        )
        for r in remote
    )


def test_statuses_move_in_progress_on_hold_delivered_with_events(sandbox):
    [purchase] = buy(make_user(), sandbox_items(sandbox, 1))
    sandbox.state.force_status(purchase.custom_id, "waiting_accept")
    purchases_sync()
    purchase.refresh_from_db()
    assert (purchase.state, purchase.provider_status) == (State.IN_PROGRESS, "waiting_accept")
    assert purchase.trade_offer_id

    sandbox.state.force_status(purchase.custom_id, "accepted", hold_seconds=7 * 24 * 3600)
    purchases_sync()
    purchase.refresh_from_db()
    assert purchase.state == State.ON_HOLD
    assert purchase.hold_until > timezone.now() + timedelta(days=6)

    sandbox.state.force_status(purchase.custom_id, "accepted", hold_seconds=0)
    Purchase.objects.filter(pk=purchase.pk).update(hold_until=timezone.now() - timedelta(seconds=1))
    purchases_sync()
    purchase.refresh_from_db()
    assert purchase.state == State.DELIVERED
    path = list(purchase.events.order_by("at", "id").values_list("new_state", "new_provider_status"))
    assert path[-3:] == [
        (State.IN_PROGRESS, "waiting_accept"),
        (State.ON_HOLD, "accepted"),
        (State.DELIVERED, "accepted"),
    ]


@pytest.mark.parametrize(("status", "state"), [("canceled", State.FAILED), ("rollback_user", State.REVERTED)])
def test_statuses_reach_failed_and_reverted(sandbox, status, state):
    [purchase] = buy(make_user(), sandbox_items(sandbox, 1))
    sandbox.state.force_status(purchase.custom_id, status)
    report = purchases_sync()
    purchase.refresh_from_db()
    assert purchase.state == state
    assert report.changes == [f"{purchase.custom_id}: in_progress → {state}"]
    assert purchase.events.filter(new_state=state, source="sync").count() == 1


def test_250_open_purchases_take_exactly_3_status_requests(sandbox):
    open_purchases_in_sandbox(sandbox, 250)
    before = sandbox.state.requests["market_getinfo"]
    report = purchases_sync()
    assert sandbox.state.requests["market_getinfo"] - before == 3
    assert report.refreshed == 250
    assert report.requests == 3
    assert Purchase.objects.filter(last_synced_at__isnull=True).count() == 0


def test_finished_purchases_cause_no_request(sandbox):
    purchases = open_purchases_in_sandbox(sandbox, 5)
    Purchase.objects.filter(pk__in=[p.pk for p in purchases]).update(state=State.DELIVERED)
    report = purchases_sync(include_all=True)
    assert sandbox.state.requests["market_getinfo"] == 0
    assert report.refreshed == 0


def test_purchases_without_buy_id_are_asked_by_custom_id(sandbox):
    open_purchases_in_sandbox(sandbox, 3, state=State.UNCONFIRMED, with_buy_id=False)
    purchases_sync()
    assert set(Purchase.objects.values_list("state", flat=True)) == {State.IN_PROGRESS}
    assert Purchase.objects.filter(buy_id__isnull=True).count() == 0


def test_unknown_to_provider_is_flagged_not_changed(sandbox):
    user = make_user()
    purchase = Purchase.objects.create(
        provider="skinsback",
        buy_id="999999999",
        steam_user=user,
        item_name="x",
        max_price=1,
        state=State.IN_PROGRESS,
        sent_at=timezone.now() - timedelta(hours=1),
    )
    report = purchases_sync()
    purchase.refresh_from_db()
    assert purchase.state == State.IN_PROGRESS
    assert purchase.needs_attention
    assert report.not_found == [purchase.custom_id]


def test_maintenance_pauses_the_sync_and_the_next_run_completes_it(sandbox):
    open_purchases_in_sandbox(sandbox, 150)
    sandbox.state.inject("market_getinfo", "error_-9", times=20)
    report = purchases_sync()
    assert "skinsback" in report.paused
    assert Purchase.objects.filter(claimed_until__isnull=False).count() == 0  # leases released
    sandbox.state.clear_faults()
    report = purchases_sync()
    assert not report.paused
    assert Purchase.objects.filter(last_synced_at__isnull=True).count() == 0


def test_one_rate_limited_answer_slows_the_sync_instead_of_failing_it(sandbox, monkeypatch):
    from purchases.providers.ratelimit import RateLimiter

    blocks = []
    real_block = RateLimiter.block

    def short_block(self, seconds=None):
        blocks.append(seconds)
        return real_block(self, 1.0)  # the real block lasts the rest of the minute; the test needs 1 s

    monkeypatch.setattr(RateLimiter, "block", short_block)
    open_purchases_in_sandbox(sandbox, 120)
    sandbox.state.inject("market_getinfo", "error_-7", times=1)
    report = purchases_sync()
    assert blocks  # every process was told to hold off
    assert not report.paused
    assert report.refreshed == 120


def test_two_overlapping_runs_never_ask_twice_about_a_purchase(sandbox):
    purchases = open_purchases_in_sandbox(sandbox, 400)
    sandbox.state.inject("market_getinfo", "latency", times=8, latency=0.2)
    reports = []

    def run():
        try:
            reports.append(purchases_sync())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.refreshed for r in reports) == len(purchases)
    assert sandbox.state.requests["market_getinfo"] == 4


def test_sync_command_json_and_check(sandbox, capsys):
    open_purchases_in_sandbox(sandbox, 2, state=State.UNCONFIRMED, with_buy_id=False)
    call_command("sync_purchases", "--json")
    out = capsys.readouterr().out
    assert '"refreshed": 2' in out
    assert '"changed": 2' in out
    Purchase.objects.update(needs_attention=True)
    with pytest.raises(SystemExit) as exit_info:
        call_command("sync_purchases", "--check")
    assert exit_info.value.code == 2


def test_dry_run_writes_nothing(sandbox):
    purchases = open_purchases_in_sandbox(sandbox, 3, state=State.UNCONFIRMED, with_buy_id=False)
    report = purchases_sync(dry_run=True)
    assert len(report.changes) == 3
    assert states(purchases) == [State.UNCONFIRMED] * 3
    assert PurchaseEvent.objects.count() == 0
