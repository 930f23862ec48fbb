"""The status sync sends the next batch's request while this batch is written (RunAhead): the same
requests in the same order, every purchase stamped and let go, and a provider that asks us to stop leaves
nothing claimed. Run with real connections (transaction=True) so the worker thread has its own."""

from __future__ import annotations

import threading

import pytest

from purchases.models import Purchase
from purchases.providers.base import PurchaseInfo, RateLimited
from purchases.services import purchases_sync
from purchases.services import sync as sync_module
from tests.factories import make_purchases

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ahead(monkeypatch):
    """Run ahead on any database (PostgreSQL does in production; the test database may be SQLite)."""
    monkeypatch.setattr(sync_module, "_may_run_ahead", lambda: True)


def answering(fake, *, fail_on: int | None = None):
    """get_purchases answers "accepted" for each custom_id, records the thread it ran in, and raises a
    rate limit on call number `fail_on`."""
    threads: list[str] = []

    def answer(custom_ids=(), buy_ids=()):
        threads.append(threading.current_thread().name)
        if fail_on is not None and len(threads) == fail_on:
            raise RateLimited("request_limit_exceeded", provider="skinsback")
        return [PurchaseInfo(provider="", status="accepted", custom_id=c) for c in custom_ids]

    fake.answers["get_purchases"] = answer
    return threads


def test_each_batch_is_asked_once_ahead_of_the_writes(fake_provider, ahead):
    purchases = make_purchases(250, state="in_progress")
    threads = answering(fake_provider)
    report = purchases_sync()
    assert report.requests == 3 and report.refreshed == 250
    assert all(name.startswith("sync-ask") for name in threads)  # the requests ran in the worker
    asked = [c.kwargs["custom_ids"] for c in fake_provider.called("get_purchases")]
    assert sorted(cid for batch in asked for cid in batch) == sorted(p.custom_id for p in purchases)
    rows = Purchase.objects.filter(pk__in=[p.pk for p in purchases])
    assert not rows.filter(last_synced_at__isnull=True).exists()
    assert not rows.filter(claim_token__isnull=False).exists()


def test_a_rate_limit_stops_the_run_and_lets_go_of_the_batch_in_flight(fake_provider, ahead):
    purchases = make_purchases(300, state="in_progress")
    answering(fake_provider, fail_on=2)
    report = purchases_sync()
    assert "skinsback" in report.paused
    rows = Purchase.objects.filter(pk__in=[p.pk for p in purchases])
    assert rows.filter(last_synced_at__isnull=False).count() == 100  # only the first batch was applied
    assert not rows.filter(claim_token__isnull=False).exists()  # batch 3, asked ahead, was let go too
    assert len(fake_provider.called("get_purchases")) <= 3


def test_inside_a_transaction_the_batches_run_one_after_another(fake_provider):
    from django.db import transaction

    make_purchases(150, state="in_progress")
    threads = answering(fake_provider)
    with transaction.atomic():
        purchases_sync()
    assert threads == [threading.main_thread().name] * 2


def test_claiming_nothing_is_nothing_on_every_database():
    from datetime import timedelta

    from django.utils import timezone

    from purchases.services.claims import claim

    assert claim(Purchase.objects.filter(pk__in=[]), now=timezone.now(), lease=timedelta(minutes=1)) == []
