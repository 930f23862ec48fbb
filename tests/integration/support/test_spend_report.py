"""The spend report page (issue 21 point 5): figures that add up against the purchases created here, per day
and month, by provider, operator and Steam user, the split's parts, refunds, the CSV (two decimals and a
currency column, exactly the table), permissions, and a query count that does not grow with the rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from purchases import reports
from purchases.models import Purchase, Refund
from purchases.reports import ReportQuery, spend_report
from tests.factories import make_purchase, make_user
from tests.integration.scale.helpers import analyze, postgres_test

pytestmark = pytest.mark.django_db
URL = reverse("admin:purchases_spend_report")
CSV_URL = reverse("admin:purchases_spend_report_csv")
MARCH = {"first": "2025-03-01", "last": "2025-03-31"}
PART_HEADERS = ["Delivered", "On hold", "On the way", "Failed, refund not known", "Refunded"]


def at(day: int, month: int = 3, hour: int = 12) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def buy(day: int, state: str, debit: str | None, *, month: int = 3, **fields) -> Purchase:
    fields.setdefault("price", Decimal(debit) if debit else None)
    return make_purchase(
        created_at=at(day, month),
        state=state,
        balance_debited=Decimal(debit) if debit else None,
        **fields,
    )


def staff(name: str):
    return get_user_model().objects.create_user(name, password="pw", is_staff=True)


@pytest.fixture
def march():
    """Two providers, three operators (one of them nobody), two Steam users, every spending state, and
    purchases that must not count: pending, rejected, outside the range."""
    olga, ivan = staff("olga"), staff("ivan")
    mira, nils = make_user(display_name="Mira"), make_user(display_name="Nils")
    data = {"olga": olga, "ivan": ivan, "mira": mira, "nils": nils}
    buy(3, "delivered", "10.00", created_by=olga, steam_user=mira)
    buy(3, "delivered", "2.50", created_by=ivan, steam_user=nils, provider="skinify")
    buy(3, "failed", "4.25", created_by=olga, steam_user=mira)
    buy(4, "on_hold", "7.00", created_by=ivan, steam_user=mira)
    buy(4, "in_progress", "1.10", created_by=None, steam_user=nils, provider="skinify")
    buy(4, "reverted", "3.00", created_by=olga, steam_user=nils)
    # a debit known only by its price (no balance_debited): the price counts
    make_purchase(
        created_at=at(5), state="delivered", price=Decimal("0.40"), created_by=ivan, steam_user=mira
    )
    # never counted: nothing left the balance, or outside March
    buy(3, "pending", None, created_by=olga, steam_user=mira)
    buy(3, "rejected", None, created_by=olga, steam_user=mira)
    buy(28, "delivered", "99.00", month=2, created_by=olga, steam_user=mira)
    buy(1, "delivered", "77.00", month=4, created_by=olga, steam_user=mira)
    return data


def lines(report) -> dict[tuple[str, str], dict[str, Decimal]]:
    return {
        (line.bucket.isoformat(), line.label): {**line.figures.amounts, "n": line.figures.count}
        for line in report.lines
    }


def d(text: str) -> Decimal:
    return Decimal(text)


def test_by_provider_per_day_adds_up(march):
    report = spend_report(ReportQuery(date(2025, 3, 1), date(2025, 3, 31), "day", "provider"))
    got = lines(report)
    assert got[("2025-03-03", "SkinsBack")] == {
        "delivered": d("10.00"),
        "on_hold": 0,
        "on_the_way": 0,
        "failed": d("4.25"),
        "refunded": 0,
        "n": 2,
    }
    assert got[("2025-03-03", "Skinify")]["delivered"] == d("2.50")
    assert got[("2025-03-04", "SkinsBack")]["on_hold"] == d("7.00")
    assert got[("2025-03-04", "SkinsBack")]["failed"] == d("3.00")  # reverted: failed, refund not known
    assert got[("2025-03-04", "Skinify")]["on_the_way"] == d("1.10")
    assert got[("2025-03-05", "SkinsBack")]["delivered"] == d("0.40")
    assert len(got) == 5
    assert report.total.spent == d("28.25") and report.total.count == 7
    assert len(report.buckets) == 31  # every day of the range, for the chart, empty ones too
    assert report.buckets[date(2025, 3, 4)].spent == d("11.10")


def test_per_month_folds_the_days(march):
    report = spend_report(ReportQuery(date(2025, 2, 1), date(2025, 4, 30), "month", "provider"))
    got = lines(report)
    assert got[("2025-02-01", "SkinsBack")]["delivered"] == d("99.00")
    assert got[("2025-03-01", "SkinsBack")]["delivered"] == d("10.40")
    assert got[("2025-03-01", "SkinsBack")]["failed"] == d("7.25")
    assert got[("2025-03-01", "Skinify")] == {
        "delivered": d("2.50"),
        "on_hold": 0,
        "on_the_way": d("1.10"),
        "failed": 0,
        "refunded": 0,
        "n": 2,
    }
    assert got[("2025-04-01", "SkinsBack")]["delivered"] == d("77.00")
    assert list(report.buckets) == [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
    assert report.total.spent == d("28.25") + d("99.00") + d("77.00")


def test_by_operator_top_n_and_others_add_up_to_the_provider_total(march):
    query = ReportQuery(date(2025, 3, 1), date(2025, 3, 31), "month", "operator", top=1)
    report = spend_report(query)
    got = lines(report)
    # olga spent the most in March (10 + 4.25 + 3): the top 1; ivan and the automatic one are "others"
    assert got[("2025-03-01", "olga")] == {
        "delivered": d("10.00"),
        "on_hold": 0,
        "on_the_way": 0,
        "failed": d("7.25"),
        "refunded": 0,
        "n": 3,
    }
    assert got[("2025-03-01", "Other operators")] == {
        "delivered": d("2.90"),
        "on_hold": d("7.00"),
        "on_the_way": d("1.10"),
        "failed": 0,
        "refunded": 0,
        "n": 4,
    }
    everyone = spend_report(ReportQuery(date(2025, 3, 1), date(2025, 3, 31), "month", "operator", top=10))
    names = [line.label for line in everyone.lines]
    assert names == ["olga", "ivan", "Nobody (imported or automatic)"]  # by money spent
    provider_total = spend_report(ReportQuery(date(2025, 3, 1), date(2025, 3, 31), "month", "provider")).total
    assert report.total.amounts == everyone.total.amounts == provider_total.amounts


def test_by_steam_user_per_day_names_them_with_their_steam_id(march):
    mira, nils = march["mira"], march["nils"]
    report = spend_report(ReportQuery(date(2025, 3, 1), date(2025, 3, 31), "day", "steam_user", top=5))
    got = lines(report)
    assert got[("2025-03-03", f"Mira ({mira.steam_id})")]["delivered"] == d("10.00")
    assert got[("2025-03-03", f"Mira ({mira.steam_id})")]["failed"] == d("4.25")
    assert got[("2025-03-04", f"Nils ({nils.steam_id})")]["on_the_way"] == d("1.10")
    assert got[("2025-03-04", f"Nils ({nils.steam_id})")]["failed"] == d("3.00")
    assert got[("2025-03-05", f"Mira ({mira.steam_id})")]["delivered"] == d("0.40")
    assert not [key for key in got if key[1].startswith("Other")]
    assert report.total.spent == d("28.25")


def test_refunds_move_money_from_failed_to_refunded(march, superuser):
    failed = Purchase.objects.get(state="failed")
    Refund.objects.create(purchase=failed, amount=Decimal("4.00"), reference="r-1", recorded_by=superuser)
    Refund.objects.create(purchase=failed, amount=Decimal("0.25"), reference="r-2", recorded_by=superuser)
    for group in ("provider", "operator", "steam_user"):
        report = spend_report(ReportQuery(date(2025, 3, 1), date(2025, 3, 31), "day", group, top=1))
        line = next(
            li for li in report.lines if li.bucket == date(2025, 3, 3) and li.figures.amounts["refunded"]
        )
        assert line.figures.amounts["refunded"] == d("4.25"), group
        assert report.total.amounts["refunded"] == d("4.25")
        assert report.total.amounts["failed"] == d("3.00")  # the reverted one: refund not known
        assert report.total.spent == d("28.25")  # a refund moves money between parts, never adds


def test_the_page_shows_the_table_the_chart_and_the_csv_link(support_c, march):
    response = support_c.get(URL, {**MARCH, "period": "day", "group": "provider"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="bo-spend-chart"' in html and "<script" not in html.split('id="content-main"')[1]
    assert response.context["headers"] == [
        "Day (UTC)",
        "Provider",
        "Purchases",
        *PART_HEADERS,
        "Spent",
        "Saved by best price",
        "Currency",
    ]
    rows = [row["cells"] for row in response.context["rows"]]
    assert rows[-1] == ["Total", "", "7", "12.90", "7.00", "1.10", "7.25", "0.00", "28.25", "0.00", "USD"]
    assert 'id="bo-spend-total">28.25 USD<' in html
    assert 'id="bo-report-csv"' in html
    assert "provider__exact=skinsback" in html  # a line links to its purchases
    # the chart: a bar per day, the 3rd of March split into delivered and failed segments
    bars = response.context["chart"]["bars"]
    assert len(bars) == 31
    assert [s["part"] for s in bars[2]["segments"]] == ["delivered", "failed"]


def test_csv_is_exactly_the_table_with_two_decimals_and_a_currency(support_c, march):
    params = {**MARCH, "period": "day", "group": "steam_user", "top": "5"}
    page_rows = [row["cells"] for row in support_c.get(URL, params).context["rows"]]
    response = support_c.get(CSV_URL, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert (
        response["Content-Disposition"] == 'attachment; filename="spend-steam_user-day-20250301-20250331.csv"'
    )
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == [
        "Day (UTC)",
        "Steam user",
        "Purchases",
        *PART_HEADERS,
        "Spent",
        "Saved by best price",
        "Currency",
    ]
    assert len(rows) == len(page_rows) == 6  # five lines and the total
    for row, shown in zip(rows, page_rows, strict=True):
        assert row[:3] == shown[:3] and row[-1] == "USD"
        for cell, shown_cell in zip(row[3:-1], shown[3:-1], strict=True):
            assert cell == shown_cell.replace(",", "")
            assert len(cell.split(".")[1]) == 2, cell  # two decimals
    total = rows[-1]
    assert total[:3] == ["Total", "", "7"] and total[-3] == "28.25"
    assert sum(Decimal(r[-3]) for r in rows[:-1]) == Decimal(total[-3])
    for i in range(3, 8):  # each part's column adds up to its total
        assert sum(Decimal(r[i]) for r in rows[:-1]) == Decimal(total[i])


def test_csv_thousands_are_plain_numbers(support_c):
    buy(3, "delivered", "1234.5")
    response = support_c.get(CSV_URL, {**MARCH, "period": "month", "group": "provider"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == [
        "2025-03",
        "SkinsBack",
        "1",
        "1234.50",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "1234.50",
        "0.00",
        "USD",
    ]
    page = support_c.get(URL, {**MARCH, "period": "month", "group": "provider"})
    assert page.context["rows"][0]["cells"][3] == "1,234.50"


def test_default_is_the_last_30_days_per_day_by_provider(support_c):
    today = timezone.now().date()
    make_purchase(state="delivered", balance_debited=Decimal("5"), created_at=timezone.now())
    make_purchase(
        state="delivered", balance_debited=Decimal("6"), created_at=timezone.now() - timedelta(days=31)
    )
    response = support_c.get(URL)
    form = response.context["form"]
    assert form.cleaned_data["first"] == today - timedelta(days=29)
    assert form.cleaned_data["last"] == today
    assert form.cleaned_data["period"] == "day" and form.cleaned_data["group"] == "provider"
    assert response.context["report"].total.spent == Decimal("5")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"first": "2025-03-31", "last": "2025-03-01"}, "after"),
        ({"first": "2025-01-01", "last": "2025-06-30", "period": "day"}, "At most 92 days"),
        ({"first": "2021-01-01", "last": "2025-06-30", "period": "month"}, "At most 731 days"),
        ({"first": "yesterday"}, "valid date"),
    ],
)
def test_a_bad_range_says_why_and_reads_nothing(support_c, params, words):
    with CaptureQueriesContext(connection) as ctx:
        response = support_c.get(URL, params)
    assert response.status_code == 200 and response.context["report"] is None
    assert words in response.content.decode()
    assert not [q for q in ctx.captured_queries if "purchases_statecount" in q["sql"]]
    assert support_c.get(CSV_URL, params).status_code == 302  # back to the page, which says why


def test_support_and_operators_may_read_it_others_not(support_c, operator_c, nobody_c, client):
    for c in (support_c, operator_c):
        assert c.get(URL).status_code == 200
        assert c.get(CSV_URL).status_code == 200
    assert nobody_c.get(URL).status_code == 403
    assert nobody_c.get(CSV_URL).status_code == 403
    assert client.get(URL).status_code == 302  # to the login page
    assert "/login/" in client.get(CSV_URL)["Location"]


def test_the_dashboard_and_the_list_link_to_it(support_c):
    assert URL in support_c.get("/admin/").content.decode()
    assert URL in support_c.get(reverse("admin:purchases_purchase_changelist")).content.decode()


def _spread(n: int, start: int = 0) -> None:
    """n purchases over March, each with its own operator and Steam user, every spending state."""
    states = ["delivered", "on_hold", "in_progress", "failed", "reverted"]
    for i in range(start, start + n):
        buy(1 + i % 28, states[i % 5], "1.50", created_by=staff(f"op{i}"), steam_user=make_user())


@pytest.mark.parametrize("group", ["provider", "operator", "steam_user"])
def test_query_count_does_not_grow_with_the_rows(support_c, group, superuser):
    params = {**MARCH, "period": "day", "group": group, "top": "50"}
    _spread(3)
    with CaptureQueriesContext(connection) as small:
        assert support_c.get(URL, params).status_code == 200
    _spread(60, start=3)
    for p in Purchase.objects.filter(state="failed")[:5]:
        Refund.objects.create(purchase=p, amount=Decimal("1"), recorded_by=superuser)
    with CaptureQueriesContext(connection) as big:
        response = support_c.get(URL, params)
    assert response.context["report"].total.spent == Decimal("1.50") * 63
    assert len(big.captured_queries) == len(small.captured_queries)
    reads = [q["sql"] for q in big.captured_queries if "purchases_purchase" in q["sql"]]
    if group == "provider":  # the rollup and the refunds only: never the purchases alone
        # (and what routing saved: the routed rows of the range, through the partial index)
        assert all("purchases_refund" in sql or '"route" IN (' in sql for sql in reads), reads
    else:  # the range through created_at, every time
        assert all("created_at" in sql for sql in reads), reads


def test_operator_or_user_report_is_refused_above_the_cap(support_c, march, monkeypatch):
    monkeypatch.setattr(reports, "ROW_CAP", 5)
    params = {**MARCH, "group": "steam_user"}
    with CaptureQueriesContext(connection) as ctx:
        response = support_c.get(URL, params)
    assert "more than the 5 a report by steam user reads" in response.content.decode()
    assert not [q for q in ctx.captured_queries if 'FROM "purchases_purchase"' in q["sql"]]
    assert support_c.get(CSV_URL, params).status_code == 400
    assert support_c.get(URL, {**MARCH, "group": "provider"}).context["report"].total.spent == d("28.25")


@postgres_test
def test_on_postgres_no_report_scans_the_purchases(support_c, march):
    """20,000 older purchases: every query of every grouping reads the range through an index."""
    user = make_user()
    Purchase.objects.bulk_create(
        (
            Purchase(
                provider="skinsback",
                steam_user=user,
                item_name=f"Item {i}",
                max_price=Decimal("5.00"),
                state="delivered",
                balance_debited=Decimal("1.00"),
                created_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=30 * i),
            )
            for i in range(20_000)
        ),
        batch_size=2000,
    )
    analyze()
    try:
        _assert_no_seq_scan(support_c)
    finally:  # ANALYZE outlives the rollback: leave no 20,000-row estimate for an emptied table
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM purchases_refund")
            cursor.execute("DELETE FROM purchases_purchase")
        connection.check_constraints()
        analyze()


def _assert_no_seq_scan(support_c) -> None:
    Refund.objects.create(purchase=Purchase.objects.get(state="failed"), amount=Decimal("1"))
    for group in ("provider", "operator", "steam_user"):
        with CaptureQueriesContext(connection) as ctx:
            response = support_c.get(URL, {**MARCH, "group": group})
        assert response.context["report"].total.spent == d("28.25")
        for query in ctx.captured_queries:
            if "purchases_purchase" in query["sql"]:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN " + query["sql"])
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "Seq Scan on purchases_purchase" not in plan, (group, query["sql"], plan)
