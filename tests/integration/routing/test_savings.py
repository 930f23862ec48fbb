"""What routing and failover saved (issue 22): the dashboard's card and the spend report's columns, the
states counted, and reads through the partial index purchase_routed_idx in a fixed number of queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from purchases.dashboard import dashboard
from purchases.models import Purchase, Route
from purchases.reports import ReportQuery, spend_report
from purchases.savings import dashboard_savings
from tests.factories import make_purchase, make_purchases, make_user
from tests.integration.scale.helpers import analyze, postgres_test

pytestmark = pytest.mark.django_db
REPORT = reverse("admin:purchases_spend_report")
REPORT_CSV = reverse("admin:purchases_spend_report_csv")


def d(value: str) -> Decimal:
    return Decimal(value)


def routed(route: str, state: str, saving: str | None, *, days_ago: int = 0, **fields) -> Purchase:
    now = fields.pop("now", None) or timezone.now()
    return make_purchase(
        route=route,
        route_quotes={"skinsback": "10.00", "skinify": "9.60"},
        route_saving=d(saving) if saving is not None else None,
        state=state,
        created_at=now - timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def week():
    """Routed lines of today and of the last days, in states that count and states that do not."""
    routed(Route.BEST, "delivered", "0.40")
    routed(Route.BEST, "pending", "0.20")  # may still cost money: counted
    routed(Route.OPERATOR, "in_progress", "-0.10")  # a dearer provider chosen: counts against
    routed(Route.BEST, "rejected", "5.00")  # refused: nothing was bought there
    routed(Route.BEST, "declined", "5.00")  # declined by an approver: nothing was bought
    routed(Route.BEST, "on_hold", "1.00", days_ago=3)
    routed(Route.BEST, "failed", "0.30", days_ago=6)  # money left the balance: counted
    routed(Route.BEST, "delivered", "7.00", days_ago=7)  # before the 7 days
    make_purchase(state="delivered", price=d("3"))  # not routed: one provider offered it
    routed(Route.FAILOVER, "delivered", None)
    routed(Route.FAILOVER, "in_progress", None, days_ago=2)
    routed(Route.FAILOVER, "rejected", None)  # refused everywhere: not saved
    routed(Route.FAILOVER, "pending", None)  # not bought yet
    routed(Route.FAILOVER, "delivered", None, days_ago=9)


def test_dashboard_sums_what_routing_saved_today_and_in_7_days(week):
    figures = dashboard_savings(timezone.now())
    assert figures["saved_today"] == d("0.50")  # 0.40 + 0.20 - 0.10
    assert figures["saved_week"] == d("1.80")  # and 1.00 + 0.30
    assert (figures["lines_today"], figures["lines_week"]) == (3, 5)
    assert (figures["failovers_today"], figures["failovers_week"]) == (1, 2)


def test_the_week_is_today_and_the_6_utc_days_before():
    now = datetime(2025, 3, 10, 0, 30, tzinfo=UTC)
    routed(Route.BEST, "delivered", "1.00", now=datetime(2025, 3, 4, 0, 0, tzinfo=UTC))
    routed(Route.BEST, "delivered", "2.00", now=datetime(2025, 3, 3, 23, 59, tzinfo=UTC))
    routed(Route.BEST, "delivered", "4.00", now=datetime(2025, 3, 10, 0, 0, tzinfo=UTC))
    routed(Route.BEST, "delivered", "8.00", now=datetime(2025, 3, 9, 23, 59, tzinfo=UTC))
    figures = dashboard_savings(now)
    assert figures["saved_today"] == d("4.00") and figures["saved_week"] == d("13.00")
    assert figures["first_day"].isoformat() == "2025-03-04"


def test_nothing_routed_is_zero_not_none():
    figures = dashboard_savings(timezone.now())
    assert figures["saved_today"] == figures["saved_week"] == d("0")
    assert figures["failovers_week"] == 0


def test_the_dashboard_card(admin_client_, fake_health, week):
    page = admin_client_.get("/admin/").content.decode()
    card = page[page.index('id="bo-savings"') :]
    card = card[: card.index("</section>")]
    assert 'id="bo-saved-today">0.50 USD<' in card and 'id="bo-saved-week">1.80 USD<' in card
    assert 'id="bo-failovers-week">2<' in card and 'id="bo-failovers-today">1<' in card
    assert "not rejected, not declined" in card
    assert "nothing is routed" not in card


def test_the_dashboard_says_when_nothing_is_routed(admin_client_, fake_health, settings):
    settings.BUY_PROVIDERS = ["skinsback"]
    page = admin_client_.get("/admin/").content.decode()
    assert "One provider is configured (BUY_PROVIDERS): nothing is routed." in page


def _savings_queries() -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        dashboard()
    return [q["sql"] for q in ctx.captured_queries if "route_saving" in q["sql"]]


def _dashboard_queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        dashboard()
    return len(ctx.captured_queries)


def _grow(count: int) -> None:
    user = make_user()
    per = count // 4
    make_purchases(per, steam_user=user, state="delivered", route=Route.BEST, route_saving=d("0.25"))
    make_purchases(per, steam_user=user, state="delivered", route=Route.FAILOVER)
    make_purchases(per, steam_user=user, state="rejected", route=Route.BEST, route_saving=d("1"))
    make_purchases(count - 3 * per, steam_user=user, state="delivered")


def test_one_savings_query_and_the_same_count_at_100_and_10000(fake_health):
    _grow(100)
    dashboard()  # warm the provider cache
    at_100 = _dashboard_queries()
    [savings_sql] = _savings_queries()
    _grow(9_900)
    at_10000 = _dashboard_queries()
    assert at_100 == at_10000
    assert len(_savings_queries()) == 1
    # the routed rows of a created_at range: what the partial index holds
    assert '"route" IN (' in savings_sql and '"created_at" >=' in savings_sql
    figures = dashboard()["savings"]
    assert figures["saved_week"] == d("0.25") * 2_500
    assert figures["failovers_week"] == 2_500


# ------------------------------------------------------------------------------------------ the report


@pytest.fixture
def march():
    olga = make_user(display_name="Olga")
    at = datetime(2025, 3, 3, 12, tzinfo=UTC)
    common = {"balance_debited": d("9.60"), "price": d("9.60"), "created_at": at, "steam_user": olga}
    make_purchase(route=Route.BEST, state="delivered", route_saving=d("0.40"), provider="skinify", **common)
    make_purchase(route=Route.OPERATOR, state="on_hold", route_saving=d("-0.10"), **common)
    make_purchase(route=Route.FAILOVER, state="in_progress", provider="skinify", **common)
    make_purchase(route=Route.BEST, state="pending", route_saving=d("3.00"), created_at=at)  # no debit yet
    make_purchase(route=Route.BEST, state="rejected", route_saving=d("3.00"), created_at=at)
    make_purchase(state="delivered", **common)  # not routed
    later = {**common, "created_at": datetime(2025, 3, 20, 9, tzinfo=UTC)}
    make_purchase(route=Route.BEST, state="delivered", route_saving=d("1.25"), **later)
    return olga


@pytest.mark.parametrize("group", ["provider", "operator", "steam_user"])
def test_the_report_adds_the_saving_and_the_failovers_per_line(march, group):
    report = spend_report(
        ReportQuery(datetime(2025, 3, 1).date(), datetime(2025, 3, 31).date(), "day", group)
    )
    assert report.total.saved == d("1.55") and report.total.failovers == 1
    by_day = {bucket.isoformat(): figures for bucket, figures in report.buckets.items()}
    assert by_day["2025-03-03"].saved == d("0.30") and by_day["2025-03-03"].failovers == 1
    assert by_day["2025-03-20"].saved == d("1.25") and by_day["2025-03-20"].failovers == 0
    if group == "provider":
        lines = {(line.bucket.day, line.key): line.figures for line in report.lines}
        assert lines[(3, "skinify")].saved == d("0.40") and lines[(3, "skinify")].failovers == 1
        assert lines[(3, "skinsback")].saved == d("-0.10") and lines[(3, "skinsback")].failovers == 0


def test_the_report_page_and_its_csv_have_the_columns(support_c, march):
    params = {"first": "2025-03-01", "last": "2025-03-31", "period": "month", "group": "provider"}
    response = support_c.get(REPORT, params)
    html = response.content.decode()
    headers = response.context["headers"]
    assert headers[-3:] == ["Spent", "Saved by best price", "Currency"]
    total = response.context["rows"][-1]["cells"]
    assert total[0] == "Total" and total[-2:] == ["1.55", "USD"]
    assert 'id="bo-saved-total">1.55 USD<' in html and 'id="bo-failovers-total">1<' in html
    rows = list(csv.reader(io.StringIO(support_c.get(REPORT_CSV, params).content.decode())))
    assert rows[0] == headers
    assert rows[-1][-2:] == ["1.55", "USD"]
    by_provider = {row[1]: row for row in rows[1:-1]}
    assert by_provider["Skinify"][-2:] == ["0.40", "USD"]
    assert by_provider["SkinsBack"][-2:] == ["1.15", "USD"]  # -0.10 + 1.25


def test_the_report_reads_the_routed_rows_once_through_the_range(support_c, march):
    params = {"first": "2025-03-01", "last": "2025-03-31", "period": "day", "group": "provider"}
    with CaptureQueriesContext(connection) as ctx:
        support_c.get(REPORT, params)
    reads = [q["sql"] for q in ctx.captured_queries if "route_saving" in q["sql"]]
    assert len(reads) == 1
    assert '"route" IN (' in reads[0] and '"created_at" >=' in reads[0] and '"created_at" <' in reads[0]


# ------------------------------------------------------------------------------------------ postgres


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_test
def test_on_postgres_the_savings_read_the_partial_index(support_c, fake_health):
    user = make_user()
    old = timezone.now() - timedelta(days=100)
    Purchase.objects.bulk_create(
        Purchase(
            provider="skinsback",
            steam_user=user,
            item_name=f"Item {i}",
            max_price=d("5"),
            state="delivered",
            created_at=old,
            route=Route.BEST if i % 50 == 0 else "",
            route_saving=d("0.10") if i % 50 == 0 else None,
        )
        for i in range(20_000)
    )
    analyze()
    with CaptureQueriesContext(connection) as ctx:
        dashboard_savings(timezone.now())
        support_c.get(REPORT, {"group": "provider"})
    reads = [(q["sql"], None) for q in ctx.captured_queries if "route_saving" in q["sql"]]
    assert len(reads) == 2
    for sql, params in reads:
        plan = _plan(sql, params)
        assert "Seq Scan on purchases_purchase" not in plan, plan
        assert "purchase_routed_idx" in plan, plan


def test_a_line_only_one_provider_quoted_is_not_counted_as_compared():
    routed(Route.BEST, "delivered", None)  # best price among one: nothing compared, nothing saved
    routed(Route.BEST, "delivered", "0.00")  # two quoted the same price: compared, nothing saved
    figures = dashboard_savings(timezone.now())
    assert figures["lines_today"] == 1 and figures["saved_today"] == d("0")
