"""On PostgreSQL the callback search by custom_id and the newest-first event list can be read through their
indexes (webhook_custom_id_idx, event_at_idx). Sequential scans are switched off for the EXPLAIN, so the
plan shows whether an index serves the query at all, whatever the table's size."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from purchases.models import PurchaseEvent, WebhookEvent
from tests.integration.scale.helpers import postgres_test

pytestmark = pytest.mark.django_db


def plan_without_seq_scans(queryset) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


@postgres_test
def test_the_callback_search_reads_the_custom_id_index():
    # without the list's ordering: on a near-empty table a full scan of the received_at index (no sort) may
    # look as cheap as the custom_id index, and which one the planner picks then depends on stale statistics
    search = WebhookEvent.objects.filter(custom_id="bo-0123456789abcdef0123").order_by()
    plan = plan_without_seq_scans(search)
    assert "webhook_custom_id_idx" in plan, plan


@postgres_test
def test_the_event_list_newest_first_reads_its_index():
    plan = plan_without_seq_scans(PurchaseEvent.objects.order_by("-at", "-id")[:50])
    assert "event_at_idx" in plan, plan
