"""An operator buys three catalog items for a Steam user and watches the batch move; Support cannot buy."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from purchases.models import Item, Purchase
from purchases.money import usd
from purchases.services import default_max_price, purchases_sync
from tests.factories import make_user
from tests.integration.services.helpers import sandbox_items

from .conftest import buy_ticked_items_for, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)
MOVED_ON = {"delivered", "on_hold", "failed", "reverted", "rejected"}


@pytest.fixture
def sandbox(moving_sandbox):
    return moving_sandbox


def test_operator_buys_three_items_and_watches_the_batch(page, live_server, sandbox, operator):
    user = make_user(display_name="Gabe Newell")
    items = sandbox_items(sandbox, 3)
    Item.objects.create(
        provider="skinsback", provider_item_id="999", name="Zz not selected", game="cs2", price=1
    )
    login(page, live_server, "olga.operator", "pw-olga.operator")

    page.goto(f"{live_server.url}{reverse('admin:purchases_item_changelist')}")
    for item in items:
        page.check(f"input.action-select[value='{item.pk}']")
    buy_ticked_items_for(page, "Gabe", "Gabe Newell")

    rows = page.locator("#bo-lines tbody tr.bo-line")
    assert rows.count() == 3
    assert page.locator("#bo-balance").inner_text() == "10,000.00 USD"
    defaults = [Decimal(page.locator(f"#id_max_i{i.pk}").input_value()) for i in items]
    assert defaults == [default_max_price(i.price) for i in items]
    total = sum(defaults)
    assert page.locator("#bo-total").inner_text() == usd(total)
    page.fill(f"#id_max_i{items[0].pk}", str(defaults[0] + 1))  # the live total follows the edit
    assert page.locator("#bo-total").inner_text() == usd(total + 1)
    page.fill(f"#id_max_i{items[0].pk}", str(defaults[0]))
    screenshot(page, "buy_confirm")

    page.click("#bo-confirm-button")
    page.wait_for_url(re.compile(r".*/purchase/\?batch_id=[0-9a-f-]{36}$"))
    assert (
        "3 purchases created; the task cluster is buying them." in page.locator(".messagelist").inner_text()
    )
    (batch_id,) = set(Purchase.objects.values_list("batch_id", flat=True))
    assert set(Purchase.objects.values_list("steam_user", flat=True)) == {user.pk}
    assert page.url.endswith(f"?batch_id={batch_id}")
    assert page.locator("#result_list tbody tr").count() == 3
    # the buy task ran inline (django-q2 sync mode) against the sandbox: bought, trade being created
    assert set(Purchase.objects.values_list("state", flat=True)) <= {"in_progress", "rejected"}
    assert sum(sandbox.state.buys_recorded.values()) == Purchase.objects.filter(state="in_progress").count()
    assert page.locator('#bo-batch[data-refresh="1"]').count() == 1  # it updates itself in place
    screenshot(page, "buy_batch_in_progress")

    sandbox.state.advance(120)  # past every trade's end and hold
    purchases_sync()  # stands in for the scheduler
    page.wait_for_selector('#bo-batch[data-refresh="0"]', timeout=15000)  # the page updated itself
    assert set(Purchase.objects.values_list("state", flat=True)) <= MOVED_ON
    screenshot(page, "buy_batch_settled")


def test_operator_buys_from_the_steam_user_page(page, live_server, sandbox, operator):
    user = make_user(display_name="Robin Walker")
    login(page, live_server, "olga.operator", "pw-olga.operator")
    page.goto(f"{live_server.url}{reverse('admin:purchases_steamuser_change', args=[user.pk])}")
    page.click("#bo-buy-skins")
    page.fill("#id_name", "Redline")
    page.click("#bo-search input[type=submit]")
    page.wait_for_selector("#bo-results")
    page.locator(".bo-pick").nth(0).check()
    page.locator(".bo-pick").nth(1).check()
    screenshot(page, "buy_search")
    page.click("#bo-pick-submit")
    page.wait_for_url("**/purchase/buy/confirm/**")
    assert page.locator("#bo-lines tbody tr.bo-line").count() == 2
    page.click("#bo-confirm-button")
    page.wait_for_url("**batch_id=**")
    assert Purchase.objects.filter(steam_user=user).count() == 2


def test_support_sees_no_buy_action_and_gets_403(page, live_server, sandbox, support):
    user = make_user()
    item = Item.objects.create(
        provider="skinsback", provider_item_id="10000001", name="AK", game="cs2", price=1
    )
    login(page, live_server, "sam.support", "pw-sam.support")
    sandbox.state.requests.clear()  # the dashboard login lands on reads the balances; the buy pages must not
    page.goto(f"{live_server.url}{reverse('admin:purchases_item_changelist')}")
    assert page.locator("option[value=buy_for_user]").count() == 0
    page.goto(f"{live_server.url}{reverse('admin:purchases_steamuser_change', args=[user.pk])}")
    assert page.locator("#bo-buy-skins").count() == 0
    confirm = (
        f"{live_server.url}{reverse('admin:purchases_buy_confirm')}?steam_user={user.pk}&items={item.pk}"
    )
    assert page.goto(confirm).status == 403
    assert (
        page.goto(f"{live_server.url}{reverse('admin:purchases_steamuser_buy', args=[user.pk])}").status
        == 403
    )
    assert sum(sandbox.state.requests.values()) == 0
