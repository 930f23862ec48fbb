"""Issue 21.6: the purchase list filters by operator, Steam user, amount range and a custom date range;
a value that does not parse filters nothing and says so; the other filters and the search are kept."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from purchases.models import Purchase
from tests.factories import make_purchase, make_user

pytestmark = pytest.mark.django_db
URL = reverse("admin:purchases_purchase_changelist")


def listed(client, **params) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return {p.pk for p in response.context["cl"].result_list}


@pytest.fixture
def spread(operator, superuser):
    """Purchases by two people and a command, for two Steam users, at several amounts and days."""
    now = timezone.now()
    mira, gabe = make_user(display_name="Mira"), make_user(display_name="Gabe")
    rows = {
        "olga_small": make_purchase(created_by=operator, steam_user=mira, max_price=Decimal("5.00")),
        "olga_big": make_purchase(created_by=operator, steam_user=gabe, max_price=Decimal("250.00")),
        "root_mid": make_purchase(created_by=superuser, steam_user=mira, max_price=Decimal("40.00")),
        "command_old": make_purchase(steam_user=gabe, max_price=Decimal("12.00")),
    }
    Purchase.objects.filter(pk=rows["command_old"].pk).update(created_at=now - timedelta(days=10))
    return {"mira": mira, "gabe": gabe, **{k: v.pk for k, v in rows.items()}}


def test_by_operator_and_by_command(superuser_c, spread, operator):
    assert listed(superuser_c, operator=operator.pk) == {spread["olga_small"], spread["olga_big"]}
    assert listed(superuser_c, operator="command") == {spread["command_old"]}


def test_by_steam_user_through_its_steam_id(superuser_c, spread):
    assert listed(superuser_c, steam_id=spread["mira"].steam_id) == {spread["olga_small"], spread["root_mid"]}
    assert listed(superuser_c, steam_id="76561198999999999") == set()  # nobody: nothing, not everything


def test_by_amount_range(superuser_c, spread):
    assert listed(superuser_c, max_price_from="10", max_price_to="50") == {
        spread["root_mid"],
        spread["command_old"],
    }
    assert listed(superuser_c, max_price_from="100") == {spread["olga_big"]}


def test_by_a_custom_date_range_the_last_day_included(superuser_c, spread):
    today = timezone.now().date()
    old = spread["command_old"]
    ten_days_ago = (today - timedelta(days=10)).isoformat()
    assert listed(superuser_c, created_from=ten_days_ago, created_to=ten_days_ago) == {old}
    assert old not in listed(superuser_c, created_from=(today - timedelta(days=1)).isoformat())


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"max_price_from": "ten"}, "max price from"),
        ({"created_from": "31/12/2026"}, "is not a date like"),
        ({"steam_id": "123"}, "17 digits"),
    ],
)
def test_a_value_that_does_not_parse_filters_nothing_and_says_so(superuser_c, spread, params, words):
    response = superuser_c.get(URL, params)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 4
    assert words in response.content.decode() and "Nothing is filtered by it" in response.content.decode()


def test_applying_a_filter_keeps_the_search_and_the_other_filters(superuser_c, spread):
    page = superuser_c.get(URL, {"q": spread["mira"].steam_id, "state__exact": "pending"})
    form = page.content.decode().split('class="bo-input-filter"')[1].split("</form>")[0]
    assert f'name="q" value="{spread["mira"].steam_id}"' in form
    assert 'name="state__exact" value="pending"' in form


def test_the_filters_cost_the_same_queries_for_more_rows(superuser_c, operator):
    def queries() -> int:
        params = {"operator": operator.pk, "max_price_from": "1", "created_from": "2020-01-01"}
        superuser_c.get(URL, params)
        with CaptureQueriesContext(connection) as ctx:
            superuser_c.get(URL, params)
        return len(ctx.captured_queries)

    make_purchase(created_by=operator, steam_user=make_user())
    one = queries()
    for _ in range(20):
        make_purchase(created_by=operator, steam_user=make_user())
    assert queries() == one
