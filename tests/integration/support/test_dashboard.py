"""The admin index dashboard: fixed query count, provider failures as "unavailable", cache, task health."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import OrmQ, Task

from backoffice.admin import BackofficeAdminSite
from purchases.dashboard import PROBE_TIMEOUT, SYNC_FUNC, last_days, state_summary
from purchases.providers import PROVIDERS
from purchases.providers.base import Timeout, Unavailable
from purchases.status import State
from tests.factories import make_purchase, make_purchases, make_user

pytestmark = pytest.mark.django_db
INDEX = "/admin/"


def render(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(INDEX)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def busy_database() -> None:
    now = timezone.now()
    user = make_user()
    for state in ("pending", "unconfirmed", "in_progress", "on_hold", "delivered", "failed", "rejected"):
        make_purchases(
            30, steam_user=user, state=state, price=Decimal("2.50"), balance_debited=Decimal("2.50")
        )
    for day in range(20):
        make_purchase(
            steam_user=user, state="delivered", created_at=now - timedelta(days=day), price=Decimal("1")
        )
    make_purchase(steam_user=user, needs_attention=True, state="delivered")
    Task.objects.bulk_create(
        Task(
            id=f"t{i}",
            name=f"t{i}",
            func=SYNC_FUNC,
            started=now,
            stopped=now - timedelta(minutes=i),
            success=i % 2 == 0,
        )
        for i in range(40)
    )
    OrmQ.objects.bulk_create(OrmQ(key="backoffice", payload="x") for _ in range(7))


def test_same_bounded_number_of_queries_empty_and_busy(admin_client_, fake_health):
    admin_client_.get(INDEX)  # the session, the permission cache and the provider cache are warm now
    _, empty = render(admin_client_)
    busy_database()
    page, busy = render(admin_client_)
    assert empty == busy
    assert busy <= 13
    assert "need attention" in page


def test_the_dashboard_queries_themselves(admin_client_, fake_health):
    admin_client_.get(INDEX)
    from purchases.dashboard import dashboard

    with CaptureQueriesContext(connection) as ctx:
        dashboard()
    # cache, the state rollup, the last sync of an open purchase, attention, 14 days, what routing saved,
    # tasks, queue
    assert len(ctx.captured_queries) == 8
    group_by = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"].upper()]
    assert len(group_by) == 2


def test_counts_attention_and_link(support_c, fake_health):
    make_purchase(state="delivered")
    make_purchase(state="unconfirmed")  # unconfirmed always needs attention
    make_purchase(state="failed", needs_attention=True)
    page = support_c.get(INDEX).content.decode()
    assert 'href="/admin/purchases/purchase/?attention=yes"' in page
    link = re.search(r'id="bo-attention-link">\s*<strong[^>]*>(\d+)</strong>', page)
    assert link and link.group(1) == "2"
    summary = state_summary(timezone.now())
    counted = {state: 1 for state in ("unconfirmed", "delivered", "failed")}
    assert dict((s, n) for _, s, n in summary["counts"]) == {state: 0 for state in State.values} | counted


def test_provider_balances_and_status_from_the_sandbox(support_c, sandbox):
    page = support_c.get(INDEX).content.decode()
    providers = page[page.index('id="bo-providers"') : page.index('id="bo-states"')]
    assert "10,000.00 USD" in providers  # both sandbox balances
    assert ">up<" in providers  # SkinsBack status
    assert "not offered" in providers  # Skinify has no status method


def test_provider_failure_is_unavailable_not_a_500(support_c, fake_health):
    fake_health.error = Unavailable("maintenance", provider="skinsback", code=-9)
    response = support_c.get(INDEX)
    assert response.status_code == 200
    assert "unavailable" in response.content.decode()


def test_a_provider_that_cannot_even_be_built(support_c, fake_health):
    fake_health.build_error = ValueError("misconfigured")
    response = support_c.get(INDEX)
    assert response.status_code == 200 and "unavailable" in response.content.decode()


def test_a_dead_provider_is_asked_once_quickly(support_c, sandbox, settings):
    sandbox.state.inject("balance", "latency", latency=5.0)
    sandbox.state.inject("project-balance", "latency", latency=5.0)
    page = support_c.get(INDEX).content.decode()
    # quickly, without a clock: each balance asked once (no retry), by a client whose read timeout gives
    # up before the 5 s the sandbox takes
    assert sandbox.state.requests["balance"] == 1 and sandbox.state.requests["project-balance"] == 1
    assert PROBE_TIMEOUT[1] < 5.0
    assert "unavailable" in page
    sandbox.state.clear_faults()


def test_provider_answers_are_cached_for_a_minute(support_c, fake_health):
    support_c.get(INDEX)
    support_c.get(INDEX)
    assert [c.code for c in fake_health.called("balance")] == list(PROVIDERS)  # once each, for both pages
    from django.core.cache import cache

    cache.clear()
    support_c.get(INDEX)
    assert len(fake_health.called("balance")) == 2 * len(PROVIDERS)  # asked again, each once


def test_failures_are_cached_too(support_c, fake_health):
    fake_health.error = Timeout("no answer", provider="skinsback")
    support_c.get(INDEX)
    support_c.get(INDEX)
    assert len(fake_health.called("balance")) == len(PROVIDERS)  # once each, for both pages


def test_sync_warning_and_task_counts(support_c, fake_health):
    now = timezone.now()
    page = support_c.get(INDEX).content.decode()
    assert "No status sync ran in the last 5 minutes" in page
    Task.objects.create(
        id="a", name="a", func=SYNC_FUNC, started=now, stopped=now - timedelta(minutes=1), success=True
    )
    Task.objects.create(
        id="b", name="b", func="x.y", started=now, stopped=now - timedelta(hours=2), success=False
    )
    Task.objects.create(
        id="c", name="c", func="x.y", started=now, stopped=now - timedelta(days=2), success=False
    )
    OrmQ.objects.create(key="backoffice", payload="x")
    page = support_c.get(INDEX).content.decode()
    assert "No status sync ran" not in page
    tasks = page[page.index('id="bo-tasks"') :]
    assert re.search(r"Queued tasks</dt><dd>1<", tasks)
    assert re.search(r"Failed \(24 h\)</dt><dd><a[^>]*>1</a>", tasks)


def test_last_synced_at_counts_as_a_sync(support_c, fake_health):
    make_purchase(state="in_progress", last_synced_at=timezone.now() - timedelta(minutes=1))
    assert "No status sync ran" not in support_c.get(INDEX).content.decode()


def test_fourteen_days_with_exact_money_and_rate(fake_health):
    now = timezone.now()
    user = make_user()
    make_purchase(steam_user=user, state="delivered", balance_debited=Decimal("0.1"), created_at=now)
    make_purchase(steam_user=user, state="on_hold", price=Decimal("0.2"), created_at=now)
    make_purchase(steam_user=user, state="failed", balance_debited=Decimal("5"), created_at=now)
    make_purchase(steam_user=user, state="rejected", price=Decimal("7"), created_at=now)  # nothing spent
    make_purchase(steam_user=user, state="delivered", price=Decimal("3"), created_at=now - timedelta(days=20))
    days = last_days(now)
    assert len(days) == 14 and days[-1].day == now.date()
    today = days[-1]
    assert today.spent == Decimal("5.3") and today.total == 4
    assert today.success_rate == Decimal("50.0")  # 2 of 4 settled
    assert all(d.total == 0 and d.success_rate is None for d in days[:-1])


def test_chart_is_server_rendered_svg(support_c, fake_health):
    make_purchase(state="delivered", balance_debited=Decimal("12.34"))
    page = support_c.get(INDEX).content.decode()
    start = page.index('<svg class="bo-chart"')
    svg = page[start : page.index("</svg>", start)]
    assert svg.count("<rect") == 14
    assert "12.34 USD spent, 1 purchase, 100.0 % succeeded" in svg
    assert "<script" not in page[page.index('id="bo-dashboard"') : start]
    # no script or stylesheet from another host (a random CSRF token may well contain the letters "cdn")
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)


def test_only_users_who_may_view_purchases_see_it(nobody_c, fake_health):
    page = nobody_c.get(INDEX).content.decode()
    assert 'id="bo-dashboard"' not in page and "Find a purchase" not in page
    assert fake_health.calls == [] and fake_health.codes == []


def test_the_app_list_stays(support_c, fake_health):
    page = support_c.get(INDEX).content.decode()
    assert 'id="bo-dashboard"' in page
    assert "app-purchases" in page and "Recent actions" in page


def test_the_index_view_gathers_the_dashboard_and_the_template_only_formats_it(support_c, fake_health):
    assert isinstance(admin.site, BackofficeAdminSite)
    response = support_c.get(INDEX)
    assert set(response.context["dashboard"]) >= {"providers", "states", "days", "tasks"}
    asked = (list(fake_health.calls), list(fake_health.codes))
    chart = Template("{% load backoffice_tags %}{{ days|daily_chart }}").render(
        Context({"days": response.context["dashboard"]["days"]})
    )
    assert "bars" in chart and (fake_health.calls, fake_health.codes) == asked  # formatting asks nothing


def test_no_dashboard_is_gathered_for_users_who_may_not_view_purchases(nobody_c, fake_health):
    assert nobody_c.get(INDEX).context["dashboard"] is None
