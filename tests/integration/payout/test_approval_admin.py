"""Four-eyes approval in the admin: the approval queue page, its confirmation, the purchase list's
`approve_purchases` / `decline_purchases` actions, the approvers' dashboard card and the expiry schedule.
Nothing held is sent; an approval sends exactly one buy per custom_id; each decision is an event and a
LogEntry naming the approver."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import Purchase, PurchaseEvent
from purchases.schedules import SCHEDULES
from purchases.status import State
from tests.conftest import client_for
from tests.factories import make_item, make_user

from .helpers import bought, form_data, open_confirm, text

QUEUE_URL = reverse("admin:purchases_purchase_approvals")
LIST_URL = reverse("admin:purchases_purchase_changelist")

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(settings, operator, buys, committed):
    """An operator's batch of two skins (2 x 300 USD max) held: above a 500 USD approval threshold."""
    settings.PAYOUT_APPROVAL_ABOVE_USD = 500
    settings.PAYOUT_LIMIT_PER_BATCH_USD = 100000
    settings.PAYOUT_LIMIT_PER_OPERATOR_DAY_USD = 100000
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = 100000
    user = make_user()
    items = [make_item(price=Decimal("250.00")) for _ in range(2)]
    client = client_for(operator)
    page = open_confirm(client, user, items)
    assert "will wait for an approver" in text(page)
    data = form_data(page, **{f"max_i{i.pk}": "300.00" for i in items})
    with committed():
        response = client.post(page.request["PATH_INFO"], {k: v for k, v in data.items() if v != "False"})
    assert response.status_code == 302
    purchases = list(Purchase.objects.order_by("pk"))
    assert [p.state for p in purchases] == [State.AWAITING_APPROVAL] * 2
    assert bought(buys) == []  # nothing sent, nothing queued
    return purchases


def approve(client, purchases, committed):
    ids = [p.pk for p in purchases]
    confirm = client.post(QUEUE_URL, {"decision": "approve", "ids": ids})
    assert confirm.status_code == 200  # the confirmation page: nothing decided yet
    with committed():
        return confirm, client.post(QUEUE_URL, {"decision": "approve", "ids": ids, "confirmed": "yes"})


def test_the_queue_lists_what_waits_with_its_reason_total_and_creator(held, approver):
    page = client_for(approver).get(QUEUE_URL)
    assert page.status_code == 200
    body = text(page)
    for purchase in held:
        assert purchase.custom_id in body
    assert "2 purchases awaiting approval" in body
    assert "600.00" in body  # the total of max prices
    assert "above the approval threshold" in body
    assert "olga.operator" in body


def test_approving_asks_to_confirm_then_buys_each_exactly_once(held, approver, buys, committed):
    client = client_for(approver)
    confirm, done = approve(client, held, committed)
    assert "Yes, approve and buy 2" in text(confirm)
    assert done.status_code == 302
    assert sorted(bought(buys)) == sorted(p.custom_id for p in held)  # one buy per custom_id
    for purchase in Purchase.objects.filter(pk__in=[p.pk for p in held]):
        assert purchase.state != State.AWAITING_APPROVAL
        assert purchase.decided_by == approver
    events = PurchaseEvent.objects.filter(old_state=State.AWAITING_APPROVAL, new_state=State.PENDING)
    assert events.count() == 2 and {e.actor_id for e in events} == {approver.pk}
    assert LogEntry.objects.filter(user=approver, change_message__contains="approved by").count() == 2


def test_the_confirmation_alone_decides_nothing(held, approver, buys):
    client_for(approver).post(QUEUE_URL, {"decision": "approve", "ids": [p.pk for p in held]})
    assert set(Purchase.objects.values_list("state", flat=True)) == {State.AWAITING_APPROVAL}
    assert bought(buys) == []


def test_nobody_approves_their_own_purchases(held, operator, superuser, buys, committed, roles):
    from django.contrib.auth.models import Group

    operator.groups.add(Group.objects.get(name="Approvers"))  # an operator who is also an approver
    client = client_for(operator)
    page = client.get(QUEUE_URL)
    assert 'name="ids"' not in text(page)  # their own rows cannot be ticked
    with committed():
        client.post(QUEUE_URL, {"decision": "approve", "ids": [p.pk for p in held], "confirmed": "yes"})
    assert set(Purchase.objects.values_list("state", flat=True)) == {State.AWAITING_APPROVAL}
    assert bought(buys) == []


@pytest.mark.parametrize("who", ["support", "operator"])
def test_support_and_operators_cannot_approve(held, request, who, buys, committed):
    client = client_for(request.getfixturevalue(who))
    assert client.get(QUEUE_URL).status_code == 403
    with committed():
        response = client.post(QUEUE_URL, {"decision": "approve", "ids": [held[0].pk], "confirmed": "yes"})
    assert response.status_code == 403
    actions = client.get(LIST_URL).context["action_form"].fields["action"].choices
    assert "approve_purchases" not in {name for name, _ in actions}
    assert set(Purchase.objects.values_list("state", flat=True)) == {State.AWAITING_APPROVAL}
    assert bought(buys) == []


def test_declining_from_the_queue_is_final_and_buys_nothing(held, approver, buys):
    client = client_for(approver)
    client.post(QUEUE_URL, {"decision": "decline", "ids": [held[0].pk], "reason": "too dear today"})
    first, second = (Purchase.objects.get(pk=p.pk) for p in held)
    assert first.state == State.DECLINED and first.error_code == "declined"
    assert "too dear today" in first.error_reason and first.decided_by == approver
    assert second.state == State.AWAITING_APPROVAL
    assert LogEntry.objects.filter(user=approver, object_id=str(first.pk)).exists()
    assert bought(buys) == []


def test_list_actions_approve_via_the_confirmation_and_decline(held, approver, buys, committed):
    client = client_for(approver)
    post = {"action": "approve_purchases", "_selected_action": [held[0].pk]}
    confirm = client.post(LIST_URL, post)
    assert confirm.status_code == 200 and "Yes, approve and buy 1" in text(confirm)
    assert bought(buys) == []
    client.post(LIST_URL, {"action": "decline_purchases", "_selected_action": [held[1].pk]})
    assert Purchase.objects.get(pk=held[1].pk).state == State.DECLINED
    with committed():
        client.post(QUEUE_URL, {"decision": "approve", "ids": [held[0].pk], "confirmed": "yes"})
    assert bought(buys) == [held[0].custom_id]


def test_approving_shows_and_records_a_limit_now_exceeded(held, approver, settings, committed):
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = 400  # lowered after they were held
    client = client_for(approver)
    confirm, _ = approve(client, held, committed)
    assert "Over this Steam user&#x27;s daily limit" in text(confirm)
    event = PurchaseEvent.objects.filter(new_state=State.PENDING).first()
    assert "approved over this Steam user's daily limit" in event.message


def test_approvers_see_the_queue_on_the_dashboard(held, approver, operator, clean_cache):
    page = client_for(approver).get(reverse("admin:index"))
    assert 'id="bo-approvals-card"' in text(page)
    assert "600.00" in text(page)
    assert 'id="bo-approvals-card"' not in text(client_for(operator).get(reverse("admin:index")))


def test_the_queue_costs_the_same_queries_with_more_rows(settings, approver, operator, buys):
    from purchases.services import BuyLine, purchases_create

    settings.PAYOUT_APPROVAL_ABOVE_USD = 1
    client = client_for(approver)

    def hold(n: int) -> int:
        import uuid

        for _ in range(n):
            line = BuyLine(max_price=Decimal("5.00"), name=f"Sticker {uuid.uuid4().hex[:6]}", game="cs2")
            purchases_create(
                steam_user=make_user(),
                provider="skinsback",
                lines=[line],
                actor=operator,
                batch_id=uuid.uuid4(),
            )
        client.get(QUEUE_URL)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE_URL).status_code == 200
        return len(queries)

    assert hold(1) == hold(20)


def test_expiry_runs_on_a_schedule():
    assert any(s["func"] == "purchases.tasks.expire_approvals" for s in SCHEDULES)


def test_the_purchase_list_says_why_a_purchase_waits_and_why_it_was_declined(held, approver, operator):
    client_for(approver).post(QUEUE_URL, {"decision": "decline", "ids": [held[0].pk], "reason": "too dear"})
    batch = client_for(operator).get(LIST_URL, {"batch_id": str(held[0].batch_id)})
    body = text(batch)
    assert "Waits for an approver: the batch&#x27;s total 600.00 USD is above the approval threshold" in body
    assert "Declined by ann.approver: too dear" in body
    assert 'id="bo-batch-awaiting"' in body and "1 waits for an approver" in body
