"""The spend report in Chromium at 1440 px (issue 21 point 5): from the dashboard to the report, the chart
and the table, grouping switched to operators and Steam users, per month, the CSV downloaded; and the
purchase list's "Export all matching (CSV)" with a filter. No console error, no CSP violation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from purchases.roles import setup_roles
from tests.factories import make_purchase, make_user

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Spend-report-pw-2024"
STATES = ["delivered", "delivered", "delivered", "failed", "on_hold", "in_progress", "reverted"]


def staff(username: str, group: str, first_name: str = ""):
    setup_roles()
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=True, first_name=first_name
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def a_month_of_buying() -> None:
    """Three operators and six Steam users buying over the last 30 days on both providers."""
    operators = [staff(f"op.{name.lower()}", "Operators", name) for name in ("Olga", "Ivan", "Petra")]
    users = [make_user(display_name=name) for name in ("Mira", "Nils", "Ada", "Bo", "Cy", "Dee")]
    now = timezone.now()
    for i in range(84):
        make_purchase(
            created_at=now - timedelta(days=i % 28, hours=i % 5),
            provider="skinify" if i % 4 == 0 else "skinsback",
            state=STATES[i % len(STATES)],
            price=Decimal("3.25") + i % 9,
            balance_debited=Decimal("3.25") + i % 9,
            created_by=operators[i % 3] if i % 11 else None,
            steam_user=users[0 if i % 3 == 0 else 1 + i % 5],  # Mira buys most
        )


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return problems


def test_open_the_report_switch_grouping_and_download_the_csv(page, live_server, tmp_path):
    a_month_of_buying()
    staff("sam.support", "Support")
    problems = watch_console(page)
    login(page, live_server, "sam.support", PASSWORD)
    page.click("#bo-dash-spend-report a")
    page.wait_for_selector("#bo-spend-chart")
    assert page.locator(".bo-spend-bar").count() == 30  # a bar per day of the last 30
    assert page.locator("#bo-spend-chart rect.bo-part-failed").count() > 0
    header = page.locator("#bo-spend-table thead th").all_text_contents()  # the admin's CSS capitalises
    assert header[:3] == ["Day (UTC)", "Provider", "Purchases"] and header[-1] == "Currency"
    assert "Failed, refund not known" in header
    total = page.locator("#bo-spend-table tr.bo-spend-total td").all_inner_texts()
    assert total[0] == "Total" and total[2] == "84" and total[-1] == "USD"
    screenshot(page, "spend_report_provider_day")

    page.select_option("#id_group", "operator")
    page.select_option("#id_top", "5")
    page.click("#bo-report-show")
    page.wait_for_url("**group=operator**")
    labels = set(page.locator("#bo-spend-table tbody tr td:nth-child(2)").all_inner_texts())
    assert {"Olga", "Ivan", "Petra", "Nobody (imported or automatic)"} <= labels
    assert page.locator("#bo-spend-table tr.bo-spend-total td").all_inner_texts()[2] == "84"
    screenshot(page, "spend_report_operator_day")

    page.select_option("#id_group", "steam_user")
    page.select_option("#id_period", "month")
    page.select_option("#id_top", "5")
    page.click("#bo-report-show")
    page.wait_for_url("**group=steam_user**")
    labels = page.locator("#bo-spend-table tbody tr td:nth-child(2)").all_inner_texts()
    assert any(label.startswith("Mira (7656") for label in labels)
    assert "Other Steam users" in labels  # six users, the top 5 named
    assert page.locator("#bo-spend-table tr.bo-spend-total td").all_inner_texts()[2] == "84"
    screenshot(page, "spend_report_steam_user_month")

    with page.expect_download() as info:
        page.click("#bo-report-csv")
    download = info.value
    assert download.suggested_filename.startswith("spend-steam_user-month-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    header, *rows = list(csv.reader(io.StringIO(path.read_text())))
    assert header[:2] == ["Month", "Steam user"] and header[-1] == "Currency"
    shown = page.locator("#bo-spend-table tbody tr").count()
    assert len(rows) == shown and rows[-1][0] == "Total" and rows[-1][2] == "84"
    assert all(r[-1] == "USD" and all(len(c.split(".")[1]) == 2 for c in r[3:-1]) for r in rows)
    assert not problems, problems


def test_export_all_matching_from_the_list(page, live_server, tmp_path):
    a_month_of_buying()
    staff("sam.support", "Support")
    problems = watch_console(page)
    login(page, live_server, "sam.support", PASSWORD)
    page.goto(f"{live_server.url}/admin/purchases/purchase/?state__exact=delivered")
    link = page.locator("#bo-export-all")
    assert link.is_visible()
    screenshot(page, "purchase_list_export_all")
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "all.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 36  # 3 in 7 of 84 are delivered; the list's page would show them all, but also
    assert {r["state"] for r in rows} == {"delivered"}
    assert not problems, problems
