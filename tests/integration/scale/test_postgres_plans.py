"""On PostgreSQL the lookups support staff make and the lists operators open are read through indexes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import Purchase
from purchases.services.sync import sync_candidates

from .helpers import postgres_test

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:purchases_purchase_changelist")


def indexes_on(column: str) -> set[str]:
    """Names of the single-column indexes of purchases_purchase on `column` (unique and pattern ones too)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Purchase._meta.db_table)
    return {name for name, info in constraints.items() if info["index"] and info["columns"] == [column]}


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def assert_no_seq_scan(plan: str) -> None:
    assert "Seq Scan on purchases_purchase" not in plan, plan


@postgres_test
def test_custom_id_lookup_uses_its_unique_index(many_purchases):
    custom_id = Purchase.objects.order_by("?").values_list("custom_id", flat=True).first()
    plan = Purchase.objects.filter(custom_id=custom_id).explain()
    assert_no_seq_scan(plan)
    assert any(
        f"Index Scan using {name} " in plan or f"on {name}" in plan for name in indexes_on("custom_id")
    )


@postgres_test
def test_admin_search_is_a_bitmap_or_of_index_scans(admin_client_, many_purchases):
    custom_id = Purchase.objects.order_by("?").values_list("custom_id", flat=True).first()
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client_.get(LIST_URL, {"q": custom_id})
    assert [p.custom_id for p in response.context["cl"].result_list] == [custom_id]
    # the list query itself (one page: no LIMIT), not the count or the Steam-user lookup of the search
    page_sql = next(
        q["sql"] for q in ctx.captured_queries if '"custom_id" = ' in q["sql"] and "ORDER BY" in q["sql"]
    )
    plan = plan_of(page_sql)
    assert_no_seq_scan(plan)
    assert "BitmapOr" in plan, plan
    for column in ("custom_id", "buy_id", "trade_offer_id"):
        assert any(f"Bitmap Index Scan on {name} " in plan + " " for name in indexes_on(column)), (
            column,
            plan,
        )


@postgres_test
def test_state_filtered_list_reads_the_state_index_in_order(many_purchases):
    # a mid-sized state (2,000 of 20,000 rows): reading the state index in order and stopping after a
    # page is the one cheap plan. For the 200 open rows a top-N sort of a bitmap scan costs about the
    # same and the planner picked either between runs, so there only the index use is asserted.
    plan = Purchase.objects.filter(state="failed").select_related("steam_user")[:50].explain()
    assert_no_seq_scan(plan)
    assert "purchase_state_created_idx" in plan, plan
    assert "Sort" not in plan, plan
    assert_no_seq_scan(Purchase.objects.filter(state="in_progress")[:50].explain())


@postgres_test
def test_sync_query_reads_only_open_purchases_through_an_index(many_purchases):
    with CaptureQueriesContext(connection) as ctx:
        candidates = sync_candidates(include_all=True)
    assert len(candidates) == Purchase.objects.filter(state="in_progress").count()
    assert_no_seq_scan(plan_of(ctx.captured_queries[-1]["sql"]))
