"""A rouble project at the sandbox: the dashboard and the confirmation page show (and compare) the USD
figure from balance_in_currencies, with the project's own roubles beside it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from purchases.admin.buy import confirm_url
from tests.factories import make_user

from .conftest import login, screenshot
from .test_buy_flow import sandbox_items

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rouble_project_reads_usd_on_the_dashboard_and_the_confirmation(
    page, live_server, moving_sandbox, operator
):
    moving_sandbox.state.set_project_currency("rub")
    moving_sandbox.state.balances["skinsback"] = Decimal("12")
    user = make_user(display_name="Rouble Rita")
    items = sandbox_items(moving_sandbox, 2)
    login(page, live_server, "olga.operator", "pw-olga.operator")

    page.goto(f"{live_server.url}/admin/")
    cell = page.locator(".bo-provider-skinsback td").first
    assert cell.inner_text() == "12.00 USD (1,112.40 RUB)"
    screenshot(page, "balance_rub_dashboard")

    page.goto(live_server.url + confirm_url(user.pk, items=[i.pk for i in items]))
    assert page.locator("#bo-balance").inner_text() == "12.00 USD"
    assert page.locator("#bo-balance-own").inner_text() == "(1,112.40 RUB in the project's currency)"
    assert page.locator("#bo-funds-warning").is_visible()  # the USD total compared with 12 USD, not 1,112 RUB
    screenshot(page, "balance_rub_confirm")
