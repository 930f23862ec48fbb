"""The per-state rollup kept by triggers: right after every kind of write, and read without a table scan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from purchases import state_counts
from purchases.dashboard import dashboard
from purchases.models import Purchase, StateCount
from tests.factories import make_purchase, make_purchases

from .helpers import analyze, postgres_test

pytestmark = pytest.mark.django_db


def truth() -> dict[tuple[str, str], int]:
    rows = Purchase.objects.order_by().values_list("provider", "state").annotate(n=Count("pk"))
    return {(provider, state): n for provider, state, n in rows}


def test_triggers_are_installed():
    assert state_counts.triggers_installed()


def test_every_kind_of_write_is_counted():
    make_purchases(5, state="in_progress")
    make_purchases(3, state="pending", provider="skinify")
    one = make_purchase(state="unconfirmed")
    assert state_counts.counts() == truth()
    Purchase.objects.filter(state="in_progress").update(state="delivered")  # a bulk UPDATE
    one.state = "rejected"
    one.save()  # a save() of every field
    Purchase.objects.filter(provider="skinify").update(last_synced_at=one.created_at)  # no state change
    assert state_counts.counts() == truth()
    Purchase.objects.filter(pk=one.pk).update(provider="skinify")  # a provider change moves it too
    Purchase.objects.filter(state="pending").first().delete()
    assert state_counts.counts() == truth()
    assert state_counts.by_state() == {"delivered": 5, "pending": 2, "rejected": 1}


def test_compact_folds_deltas_and_keeps_totals():
    make_purchases(4, state="in_progress")
    Purchase.objects.update(state="on_hold")
    before = state_counts.counts()
    assert StateCount.objects.count() > len(before)
    assert state_counts.compact() > 0
    assert StateCount.objects.count() == len(before) == 1  # zero totals are dropped
    assert state_counts.counts() == before == truth()


def test_rebuild_counts_the_table_again():
    make_purchases(3, state="failed")
    StateCount.objects.all().delete()
    assert state_counts.counts() == {}
    state_counts.rebuild()
    assert state_counts.counts() == truth() == {("skinsback", "failed"): 3}


def _dashboard_queries() -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        dashboard()
    return [q["sql"] for q in ctx.captured_queries]


def test_dashboard_query_count_is_the_same_at_100_and_10000(fake_health):
    make_purchases(90, state="delivered")
    make_purchases(10, state="in_progress")
    dashboard()  # warm the provider cache
    at_100 = _dashboard_queries()
    make_purchases(9_900, state="delivered")
    at_10000 = _dashboard_queries()
    assert len(at_100) == len(at_10000)
    counts = dict((s, n) for _, s, n in dashboard()["states"]["counts"])
    assert counts["delivered"] == 9_990 and counts["in_progress"] == 10
    # the state counts come from the rollup, not a GROUP BY over the purchases
    assert not [q for q in at_10000 if 'GROUP BY "purchases_purchase"."state"' in q]


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_test
def test_dashboard_queries_read_indexes_or_the_rollup(many_purchases, fake_health):
    # as in production, most purchases are older than the 14 days of the chart
    Purchase.objects.exclude(state="in_progress").update(created_at=timezone.now() - timedelta(days=100))
    analyze()
    dashboard()
    for sql in _dashboard_queries():
        if "purchases_purchase" in sql:
            assert "Seq Scan on purchases_purchase" not in _plan(sql), sql


@postgres_test
def test_metrics_queries_read_indexes_or_the_rollup(many_purchases, fake_health):
    from purchases.metrics.collect import gauges

    Purchase.objects.exclude(state="in_progress").update(created_at=timezone.now() - timedelta(days=100))
    analyze()
    gauges()
    with CaptureQueriesContext(connection) as ctx:
        gauges()
    for sql in [q["sql"] for q in ctx.captured_queries]:
        if "purchases_purchase" in sql:
            assert "Seq Scan on purchases_purchase" not in _plan(sql), sql


def test_days_and_money_follow_every_write():
    from decimal import Decimal

    today = timezone.now()
    make_purchases(2, state="delivered", price=Decimal("1.50"))
    moved = make_purchase(state="in_progress", price=Decimal("3.00"))
    Purchase.objects.filter(pk=moved.pk).update(balance_debited=Decimal("2.75"))  # the debit wins
    Purchase.objects.filter(pk=moved.pk).update(created_at=today - timedelta(days=3))
    days = state_counts.by_day(today.date() - timedelta(days=13))
    assert days[(today.date(), "delivered")] == (2, Decimal("3.00"))
    assert days[((today - timedelta(days=3)).date(), "in_progress")] == (1, Decimal("2.75"))
    assert (today.date(), "in_progress") not in days
    state_counts.compact()
    assert state_counts.by_day(today.date() - timedelta(days=13)) == days
    assert state_counts.spent_on(today.date(), ["delivered"]) == {"skinsback": Decimal("3.00")}
