"""The find box: custom_ids in any case and spacing, Steam users by name (exact or prefix, bounded)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.search import USER_LIMIT, users_named
from tests.factories import make_purchase, make_user

pytestmark = pytest.mark.django_db

FIND_URL = "/admin/purchases/purchase/find/"


@pytest.mark.parametrize("typed", ["BO-CASE-0001", "  bo-case-0001  ", "\tBo-Case-0001\n"])
def test_a_custom_id_in_any_case_and_spacing(support_c, typed):
    purchase = make_purchase(custom_id="bo-case-0001")
    response = support_c.get(FIND_URL, {"q": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:purchases_purchase_change", args=[purchase.pk])


def test_the_custom_id_match_is_exact_and_indexed(support_c):
    make_purchase(custom_id="bo-case-0001")
    with CaptureQueriesContext(connection) as queries:
        support_c.get(FIND_URL, {"q": "BO-CASE-0001"})
    custom_id_sql = [q["sql"] for q in queries if '"custom_id" IN' in q["sql"]]
    assert custom_id_sql and all("LIKE" not in sql for sql in custom_id_sql)


def test_an_exact_name_goes_to_the_steam_user(support_c):
    user = make_user(display_name="Redline Rick")
    make_user(display_name="Someone else")
    response = support_c.get(FIND_URL, {"q": " redline rick "})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:purchases_steamuser_change", args=[user.pk])


def test_a_prefix_lists_the_users_exact_first(support_c):
    ricks = [make_user(display_name=name) for name in ("Rick Zeta", "Rick", "rick alpha")]
    make_user(display_name="Derrick")  # contains "rick", does not start with it
    response = support_c.get(FIND_URL, {"q": "RICK"})
    assert response.status_code == 200
    found = response.context["users"].found
    assert [u.display_name for u in found] == ["Rick", "rick alpha", "Rick Zeta"]
    page = response.content.decode()
    assert 'id="bo-found-users"' in page
    for user in ricks:
        assert reverse("admin:purchases_steamuser_change", args=[user.pk]) in page


def test_a_name_with_spaces_that_nobody_has(support_c):
    response = support_c.get(FIND_URL, {"q": "nobody here"})
    page = response.content.decode()
    assert response.status_code == 200 and "Not an id" in page and "no Steam user" in page


def test_the_name_lookup_is_bounded_and_uses_the_index():
    for i in range(USER_LIMIT + 5):
        make_user(display_name=f"Bulk user {i:02d}")
    with CaptureQueriesContext(connection) as queries:
        result = users_named("bulk")
    assert len(result.found) == USER_LIMIT and result.more
    [sql] = [q["sql"] for q in queries]
    assert "LIMIT 11" in sql and "LIKE" not in sql.upper()
    if connection.vendor == "sqlite":  # PostgreSQL plans a 15-row table as a scan whatever the indexes
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%", "%%"))
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "steamuser_lower_name_idx" in plan, plan


def test_one_letter_is_not_looked_up(support_c):
    make_user(display_name="Rick")
    with CaptureQueriesContext(connection) as queries:
        result = users_named("r")
    assert result.too_short and not result.found and not queries


def test_the_steam_user_list_and_autocomplete_search_by_id_or_name_start_without_a_scan(operator_client):
    gabe = make_user(display_name="Gabe Newell")
    rick = make_user(display_name="Redline Rick")
    list_url = reverse("admin:purchases_steamuser_changelist")
    for term, expected in [("gABE", [gabe]), (" red", [rick]), (rick.steam_id, [rick]), ("newell", [])]:
        with CaptureQueriesContext(connection) as queries:
            response = operator_client.get(list_url, {"q": term})
        assert list(response.context["cl"].result_list) == expected, term
        assert not any("LIKE" in q["sql"].upper() for q in queries), term  # no contains/substring scan
    autocomplete = operator_client.get(
        "/admin/autocomplete/",
        {"term": "gab", "app_label": "purchases", "model_name": "purchase", "field_name": "steam_user"},
    )
    assert [r["id"] for r in autocomplete.json()["results"]] == [str(gabe.pk)]
