"""The purchase page and the Steam user page read their row once: the admin's change view reads it, and our
context comes from `render_change_form`, which is handed that object (no second get_object)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_purchase, make_user

pytestmark = pytest.mark.django_db


def _sql(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_purchase_page_reads_the_purchase_once(admin_client):
    purchase = make_purchase(state="failed")  # rebuyable: the page asks whether it was bought again
    sql = _sql(admin_client, reverse("admin:purchases_purchase_change", args=[purchase.pk]))
    by_pk = [
        q
        for q in sql
        if q.startswith('SELECT "purchases_purchase"."id"') and '"purchases_purchase"."id" = ' in q
    ]
    again = [q for q in sql if '"purchases_purchase"."replaces_id" = ' in q]
    assert len(by_pk) == 1
    assert len(again) <= 1
    body = admin_client.get(reverse("admin:purchases_purchase_change", args=[purchase.pk])).content.decode()
    assert 'id="bo-head"' in body and 'id="bo-timeline-title"' in body


def test_the_steam_user_page_counts_the_purchases_once(admin_client):
    user = make_user()
    make_purchase(steam_user=user, state="delivered")
    sql = _sql(admin_client, reverse("admin:purchases_steamuser_change", args=[user.pk]))
    counts = [q for q in sql if "COUNT(" in q and 'FROM "purchases_purchase"' in q]
    assert len(counts) == 1
    body = admin_client.get(reverse("admin:purchases_steamuser_change", args=[user.pk])).content.decode()
    assert 'id="bo-user-purchases"' in body and 'id="bo-buy-skins"' in body
