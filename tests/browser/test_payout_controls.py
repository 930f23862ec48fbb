"""Issue 18's payout controls in Chromium at 1440 px against the sandbox: an operator's large batch waits
for an approver and nothing is sent; an approver approves it from the queue (dashboard card, queue,
confirmation) and watches it bought, one buy per custom_id; the repeat warning on the confirmation page
refuses a second payout of the same skin to the same Steam user until "Pay again" is ticked.
(The low-balance banner is test_payout_banners.py.)"""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from purchases.models import Item, Purchase
from purchases.money import usd
from tests.factories import make_purchase, make_user
from tests.integration.services.helpers import sandbox_items

from .conftest import GREY_SQUARE, STEAM_CDN, VIEWPORT, buy_ticked_items_for, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)
BUY_REQUESTS = {"market_buy", "market_batch_buy"}
BOUGHT = {"in_progress", "delivered"}


@pytest.fixture
def sandbox(moving_sandbox):
    return moving_sandbox


def send_batch_to_approval(page, live_server, items: list[Item], *, shots: bool = False) -> str:
    """The operator ticks `items`, confirms a batch above PAYOUT_APPROVAL_ABOVE_USD and lands on its list;
    returns the batch id."""
    login(page, live_server, "olga.operator", "pw-olga.operator")
    page.goto(f"{live_server.url}{reverse('admin:purchases_item_changelist')}")
    for item in items:
        page.check(f"input.action-select[value='{item.pk}']")
    buy_ticked_items_for(page, "Gabe", "Gabe Newell")

    assert page.locator("#bo-lines tbody tr.bo-line").count() == len(items)
    total = page.locator("#bo-total").inner_text()
    note = page.locator("#bo-approval-note")
    assert note.is_visible()
    assert f"{len(items)} of {len(items)} lines will wait for an approver" in note.inner_text()
    assert "The reasons are under each line" in note.inner_text()
    # the note sits above the lines table, each line names its reason under it
    assert page.locator("#bo-approval-note + #bo-lines").count() == 1
    for item in items:
        held = page.locator(f"#bo-held-i{item.pk}")
        assert held.is_visible()
        assert (
            f"Waits for approval: the batch's total {total} is above the approval threshold of 50.00 USD"
            in held.inner_text()
        )
    if shots:
        screenshot(page, "payout_confirm_awaits_approval")

    page.click("#bo-confirm-button")
    page.wait_for_url(re.compile(r".*/purchase/\?batch_id=[0-9a-f-]{36}$"))
    (batch_id,) = set(Purchase.objects.values_list("batch_id", flat=True))
    return str(batch_id)


def test_operator_large_batch_goes_to_approval(page, live_server, sandbox, operator, approver, settings):
    settings.PAYOUT_APPROVAL_ABOVE_USD = "50"
    make_user(display_name="Gabe Newell")
    items = sandbox_items(sandbox, 3)
    assert sum(i.price for i in items) > 50

    send_batch_to_approval(page, live_server, items, shots=True)
    assert page.locator("#result_list tbody tr").count() == 3
    assert set(Purchase.objects.values_list("state", flat=True)) == {"awaiting_approval"}
    assert all(p.approval_reason.startswith("the batch's total") for p in Purchase.objects.all()), (
        "each purchase keeps why it waits"
    )
    assert not BUY_REQUESTS & set(sandbox.state.requests), "nothing sent before the approval"
    assert not sandbox.state.buys_recorded
    screenshot(page, "payout_batch_awaiting_approval")


def test_approver_approves_from_the_queue_and_watches_it_bought(
    page, browser, live_server, sandbox, operator, approver, settings
):
    settings.PAYOUT_APPROVAL_ABOVE_USD = "50"
    make_user(display_name="Gabe Newell")
    items = sandbox_items(sandbox, 3)
    batch_id = send_batch_to_approval(page, live_server, items)
    held = list(Purchase.objects.order_by("pk"))
    total = sum((p.max_price for p in held), Decimal("0"))
    assert not BUY_REQUESTS & set(sandbox.state.requests)

    context = browser.new_context(viewport=VIEWPORT)  # the approver's own browser
    try:
        ann = context.new_page()
        ann.set_default_timeout(15000)
        ann.route(STEAM_CDN, lambda route: route.fulfill(content_type="image/svg+xml", body=GREY_SQUARE))
        login(ann, live_server, "ann.approver", "pw-ann.approver")
        ann.goto(f"{live_server.url}/admin/")
        card = ann.locator("#bo-approvals-card")
        assert card.is_visible()
        assert f"3 purchases for {usd(total)}" in card.inner_text()
        assert "wait for an approver" in card.inner_text()
        screenshot(ann, "payout_dashboard_approvals_card")

        ann.click("#bo-approvals-link")
        ann.wait_for_url("**/purchase/approvals/")
        summary = ann.locator("#bo-queue-summary").inner_text()
        assert f"3 purchases awaiting approval, {usd(total)} of max prices in all." in summary
        rows = ann.locator("#bo-queue tbody tr.bo-queue-row")
        assert rows.count() == 3
        assert [rows.nth(n).get_attribute("data-custom-id") for n in range(3)] == [p.custom_id for p in held]
        assert "above the approval threshold of 50.00 USD" in rows.nth(0).locator(".bo-reason").inner_text()
        assert "by olga.operator" in rows.nth(0).inner_text()
        for purchase in held:
            ann.check(f"#bo-pick-{purchase.pk}")
        screenshot(ann, "payout_approval_queue")

        ann.click("#bo-approve")
        ann.wait_for_selector("#bo-approve-confirm")
        assert ann.locator("#bo-approve-left-out").count() == 0
        assert ann.locator("#bo-approve-lines tbody tr.bo-approve-row").count() == 3
        assert (
            f"Approving buys 3 purchases for up to {usd(total)}"
            in ann.locator("#bo-approve-confirm").inner_text()
        )
        assert (
            ann.locator("#bo-approve-yes").input_value() == f"Yes, approve and buy 3 for up to {usd(total)}"
        )
        assert ann.locator("#bo-approve-lines .bo-repeat").count() == 0
        assert not BUY_REQUESTS & set(sandbox.state.requests), "the confirmation decides nothing"
        assert set(Purchase.objects.values_list("state", flat=True)) == {"awaiting_approval"}
        screenshot(ann, "payout_approve_confirm")

        ann.click("#bo-approve-yes")
        ann.wait_for_url("**/purchase/approvals/")
        message = ann.locator(".messagelist .success")
        assert message.inner_text() == "3 purchase(s) approved and queued for buying."
        assert ann.locator("#bo-queue-empty").is_visible()
        screenshot(ann, "payout_queue_after_approval")

        # the buy ran in the task cluster (django-q2 sync mode: inline, after the approval's commit)
        deadline = time.monotonic() + 10
        while set(Purchase.objects.values_list("state", flat=True)) - BOUGHT and time.monotonic() < deadline:
            time.sleep(0.2)
        assert set(Purchase.objects.values_list("state", flat=True)) <= BOUGHT
        assert {p.custom_id: 1 for p in held} == dict(sandbox.state.buys_recorded)
        assert set(Purchase.objects.values_list("decided_by__username", flat=True)) == {"ann.approver"}

        ann.goto(f"{live_server.url}{reverse('admin:purchases_purchase_changelist')}?batch_id={batch_id}")
        assert ann.locator("#result_list tbody tr").count() == 3
        assert "Awaiting approval" not in ann.locator("#result_list").inner_text()
        screenshot(ann, "payout_approved_batch_bought")
    finally:
        context.close()


def test_repeat_warning_needs_pay_again(page, live_server, sandbox, operator, payout_holds_off):
    user = make_user(display_name="Gabe Newell")
    (item,) = sandbox_items(sandbox, 1)
    earlier = make_purchase(steam_user=user, item=item, state="delivered", created_by=operator)
    login(page, live_server, "olga.operator", "pw-olga.operator")

    page.goto(f"{live_server.url}{reverse('admin:purchases_item_changelist')}")
    page.check(f"input.action-select[value='{item.pk}']")
    buy_ticked_items_for(page, "Gabe", "Gabe Newell")

    warning = page.locator(f"#bo-repeat-i{item.pk}")
    assert warning.is_visible()
    text = warning.inner_text()
    assert "Already paid to this Steam user in the last 24 h" in text
    assert f"{earlier.custom_id} (delivered" in text and "by olga.operator" in text
    assert warning.locator(f"a:has-text('{earlier.custom_id}')").get_attribute("href") == reverse(
        "admin:purchases_purchase_change", args=[earlier.pk]
    )
    again = page.locator(f"#id_again_i{item.pk}")
    assert again.is_visible() and not again.is_checked()
    assert page.locator("#bo-approval-note").count() == 0
    screenshot(page, "payout_repeat_warning")

    page.click("#bo-confirm-button")  # without the tick: refused, nothing created or sent
    page.wait_for_selector("#bo-problems")
    problems = page.locator("#bo-problems").inner_text()
    assert "already paid this skin in the last 24 h" in problems
    assert earlier.custom_id in problems and "Tick “Pay again” for this line" in problems
    assert Purchase.objects.count() == 1
    assert not BUY_REQUESTS & set(sandbox.state.requests)
    assert page.locator(f"#bo-repeat-i{item.pk}").is_visible()  # the warning and the tick are still there
    screenshot(page, "payout_repeat_refused")

    page.check(f"#id_again_i{item.pk}")
    page.click("#bo-confirm-button")
    page.wait_for_url(re.compile(r".*/purchase/\?batch_id=[0-9a-f-]{36}$"))
    again_bought = Purchase.objects.exclude(pk=earlier.pk).get()
    assert again_bought.item_name == item.name and again_bought.steam_user == user
    assert again_bought.repeat_acknowledged
    assert again_bought.state in BOUGHT
    assert dict(sandbox.state.buys_recorded) == {again_bought.custom_id: 1}
