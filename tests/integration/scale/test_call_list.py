"""The provider-call list: filters from known sets (no SELECT DISTINCT), search by a whole id via an index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.call_subjects import INDEX_NAME, calls_about
from purchases.models import ProviderCall, SteamUser
from tests.factories import make_purchases, make_user

from .helpers import postgres_test

pytestmark = pytest.mark.django_db
CALLS = reverse("admin:purchases_providercall_changelist")
USERS = reverse("admin:purchases_steamuser_changelist")


def _call(subjects: str, method: str = "market_getinfo", outcome: str = "ok") -> ProviderCall:
    return ProviderCall.objects.create(
        provider="skinsback", method=method, outcome=outcome, subjects=subjects
    )


def test_search_matches_whole_ids_only(admin_client_):
    wanted = _call("bo-1 bo-22 130000001")
    _call("bo-222 xbo-22")
    alone = _call("bo-22")
    response = admin_client_.get(CALLS, {"q": " bo-22 "})
    assert {c.pk for c in response.context["cl"].result_list} == {wanted.pk, alone.pk}
    assert [c.pk for c in calls_about(ProviderCall.objects.all(), ["130000001"])] == [wanted.pk]


def test_filters_use_known_sets_not_distinct(admin_client_):
    _call("bo-1", method="market_buy", outcome="timeout")
    _call("bo-2")
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client_.get(CALLS, {"method": "market_buy", "outcome": "timeout"})
    assert [c.method for c in response.context["cl"].result_list] == ["market_buy"]
    assert not [q["sql"] for q in ctx.captured_queries if "DISTINCT" in q["sql"].upper()]
    page = response.content.decode()
    assert "withdraw/info" in page and "HTTP error" in page  # the known choices, even without such rows


def test_steam_user_list_counts_the_page_only(admin_client_):
    user = make_user()
    make_purchases(3, steam_user=user)
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client_.get(USERS)
    assert response.context["cl"].result_list[0].purchase_total == 3
    joined = [
        q["sql"] for q in ctx.captured_queries if "JOIN" in q["sql"] and "purchases_purchase" in q["sql"]
    ]
    assert not joined
    assert not [q["sql"] for q in ctx.captured_queries if "DISTINCT" in q["sql"].upper()]
    assert SteamUser.objects.count() == 1


@postgres_test
def test_call_search_reads_the_gin_index(admin_client_):
    ProviderCall.objects.bulk_create(
        ProviderCall(provider="skinsback", method="market_getinfo", outcome="ok", subjects=f"bo-{i} {i}")
        for i in range(20_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE purchases_providercall")
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client_.get(CALLS, {"q": "bo-1234"})
    assert [c.subjects for c in response.context["cl"].result_list] == ["bo-1234 1234"]
    page_sql = next(
        q["sql"] for q in ctx.captured_queries if "string_to_array" in q["sql"] and "EXPLAIN" not in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + page_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert INDEX_NAME in plan, plan
