"""The estimated count: the planner's estimate for an unfiltered big PostgreSQL table, exact otherwise."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.admin.paginator import ESTIMATE_ABOVE, EstimatedCountPaginator, estimated_count, rollup_count
from purchases.models import Purchase
from tests.factories import make_purchases

from .helpers import ROWS, STATE_EVERY, postgres_test

pytestmark = pytest.mark.django_db


def test_small_or_filtered_or_non_postgres_counts_are_exact():
    make_purchases(3, state="in_progress")
    make_purchases(2, state="delivered")
    if connection.vendor == "postgresql":  # an earlier test's big table left its statistics behind
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE purchases_purchase")
    assert EstimatedCountPaginator(Purchase.objects.all(), 2).count == 5
    assert EstimatedCountPaginator(Purchase.objects.filter(state="delivered"), 2).count == 2
    assert EstimatedCountPaginator(list(range(7)), 2).count == 7
    exact = EstimatedCountPaginator(Purchase.objects.all(), 2)
    assert exact.count == 5 and not exact.estimated
    assert estimated_count(Purchase.objects.filter(state="delivered")) is None
    assert estimated_count(Purchase.objects.none()) is None
    assert estimated_count(Purchase.objects.distinct()) is None
    if connection.vendor != "postgresql":
        assert estimated_count(Purchase.objects.all()) is None


@postgres_test
def test_unfiltered_big_table_uses_the_planner_estimate(many_purchases):
    assert ROWS > ESTIMATE_ABOVE
    make_purchases(5)  # after ANALYZE: the estimate does not see them, COUNT(*) would
    unfiltered = EstimatedCountPaginator(Purchase.objects.select_related("steam_user"), 50)
    assert unfiltered.count == ROWS
    assert unfiltered.num_pages == ROWS // 50
    filtered = EstimatedCountPaginator(Purchase.objects.filter(state="in_progress"), 50)
    assert filtered.count == ROWS // STATE_EVERY


@postgres_test
def test_admin_list_of_a_big_table_skips_count_star(admin_client_, many_purchases, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Purchase], "paginator", EstimatedCountPaginator)
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client_.get(reverse("admin:purchases_purchase_changelist"))
    assert response.context["cl"].result_count == ROWS
    assert not [q for q in ctx.captured_queries if "COUNT(*)" in q["sql"].upper()]
    assert f"about {ROWS}" in response.content.decode() and "(estimated)" in response.content.decode()


def test_a_list_filtered_by_state_or_provider_is_counted_from_the_rollup(admin_client_):
    make_purchases(4, state="delivered")
    make_purchases(2, state="delivered", provider="skinify")
    make_purchases(3, state="failed")
    assert rollup_count(Purchase.objects.filter(state="delivered")) == 6
    assert rollup_count(Purchase.objects.filter(state="delivered", provider="skinify")) == 2
    assert rollup_count(Purchase.objects.select_related("steam_user").filter(provider="skinsback")) == 7
    for not_rolled_up in (
        Purchase.objects.all(),
        Purchase.objects.filter(state="delivered", needs_attention=True),
        Purchase.objects.filter(state__in=["delivered"]),
        Purchase.objects.exclude(state="delivered"),
        Purchase.objects.filter(state="delivered") | Purchase.objects.filter(state="failed"),
    ):
        assert rollup_count(not_rolled_up) is None
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client_.get(
            reverse("admin:purchases_purchase_changelist"), {"state__exact": "delivered"}
        )
    assert response.context["cl"].result_count == 6
    assert not [q for q in ctx.captured_queries if "COUNT(*)" in q["sql"].upper()]
    assert "estimated" not in response.content.decode()  # the rollup's count is exact: no "about"
