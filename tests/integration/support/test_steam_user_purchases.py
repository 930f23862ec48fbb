"""The Steam user page: the recent purchases (linked, badge, price) and the totals, in bounded queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import Purchase
from tests.factories import make_purchase, make_purchases, make_user
from tests.integration.pages.helpers import queries as page_queries

pytestmark = pytest.mark.django_db


def page_of(client, user):
    return client.get(reverse("admin:purchases_steamuser_change", args=[user.pk]))


def test_recent_purchases_linked_with_badge_and_price(support_c):
    user = make_user()
    delivered = make_purchase(
        steam_user=user, state="delivered", price=Decimal("1234.5"), item_name="AWP | X"
    )
    failed = make_purchase(steam_user=user, state="failed", price=None, max_price=Decimal("3"))
    make_purchase(state="delivered", price=Decimal("99"))  # someone else's
    response = page_of(support_c, user)
    page = response.content.decode()
    assert response.status_code == 200
    for purchase in (delivered, failed):
        assert reverse("admin:purchases_purchase_change", args=[purchase.pk]) in page
    assert 'class="bo-badge bo-state-delivered">Delivered<' in page
    assert "1,234.50 USD" in page and "max 3.00 USD" in page
    totals = response.context["user_purchases"]
    assert totals.count == 2
    assert totals.split.debited == totals.split.delivered == Decimal("1234.5")
    assert "<strong>2</strong> purchases" in page
    assert '<strong id="bo-spend-delivered">1,234.50 USD</strong> delivered' in page


def test_only_the_ten_newest_and_a_link_to_all(support_c):
    user = make_user()
    make_purchases(12, steam_user=user)
    response = page_of(support_c, user)
    assert len(response.context["user_purchases"].recent) == 10
    assert f"?steam_user__id__exact={user.pk}" in response.content.decode()


def _queries(client, user) -> int:
    return page_queries(client, reverse("admin:purchases_steamuser_change", args=[user.pk]))[0]


def test_the_query_count_does_not_grow_with_the_purchases(support_c):
    one, many = make_user(), make_user()
    make_purchases(1, steam_user=one, state="delivered", price=Decimal("2"))
    make_purchases(100, steam_user=many, state="delivered", price=Decimal("2"))
    _queries(support_c, one)  # warm the session and content-type caches
    assert _queries(support_c, one) == _queries(support_c, many)
    assert Purchase.objects.filter(steam_user=many).count() == 100


def test_the_purchases_section_costs_two_queries():
    from purchases.admin.steam_user_purchases import user_purchases

    user = make_user()
    make_purchases(100, steam_user=user)
    with CaptureQueriesContext(connection) as queries:
        result = user_purchases(user)
        [p.item_name for p in result.recent]
    assert len(queries) == 2


def test_a_new_user_page_has_no_purchases_section(operator_c):
    response = operator_c.get(reverse("admin:purchases_steamuser_add"))
    assert response.status_code == 200 and 'id="bo-user-purchases"' not in response.content.decode()
