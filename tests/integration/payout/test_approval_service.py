"""Issue 18, four-eyes approval in the service (`purchases.policy.approval`), against the sandbox provider:
who may decide, what a decision writes (state, PurchaseEvent, LogEntry naming the actor), what is sent
(nothing until approved, exactly one buy per custom_id after), the expiry, the repeat guard checked again,
and two approvers deciding the same purchase.

Transactional tests: an approval queues its buys after commit, and the task cluster runs them at once in
tests (Q_CLUSTER "sync"), so the provider's counters show what a real approval sends."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from purchases import tasks
from purchases.models import Item, Purchase, PurchaseEvent, SteamUser
from purchases.policy import approval
from purchases.policy.approval import approvals_expire, purchases_approve, purchases_decline
from purchases.policy.pause import pause_buying, resume_buying
from purchases.services import BuyLine, purchases_create, purchases_send
from purchases.status import State
from tests.factories import make_purchase, make_user
from tests.integration.services.helpers import sandbox_items

pytestmark = pytest.mark.django_db(transaction=True)

BUY_METHODS = ("market_buy", "market_batch_buy")
QUEUED = "queued for buying"


@pytest.fixture(autouse=True)
def holds_everything(settings, clean_cache):
    """Every batch waits for an approver (above a 1 USD threshold); the limits stay out of the way."""
    settings.PAYOUT_REPEAT_WINDOW_HOURS = 24
    settings.PAYOUT_APPROVAL_EXPIRES_HOURS = 24
    settings.PAYOUT_APPROVAL_ABOVE_USD = "1.00"
    settings.PAYOUT_LIMIT_PER_OPERATOR_DAY_USD = "100000"
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = "100000"
    settings.PAYOUT_LIMIT_PER_BATCH_USD = "100000"
    return settings


def hold(user: SteamUser, items: list[Item], *, actor, pay_again: bool = False) -> list[Purchase]:
    """A batch created through the service by `actor`, held for approval, nothing sent."""
    lines = [
        BuyLine(max_price=item.price + Decimal("5.00"), item=item, pay_again=pay_again) for item in items
    ]
    result = purchases_create(
        steam_user=user, provider="skinsback", lines=lines, actor=actor, batch_id=uuid.uuid4()
    )
    assert [p.state for p in result.purchases] == [State.AWAITING_APPROVAL] * len(items)
    return result.purchases


def buy_requests(sandbox) -> int:
    return sum(sandbox.state.requests[method] for method in BUY_METHODS)


def recorded(sandbox, purchases) -> list[int]:
    """Buys the provider recorded per custom_id (attempts that reached it, for a refused one too)."""
    return [sandbox.state.buy_attempts[p.custom_id] for p in purchases]


def fresh(purchases) -> list[Purchase]:
    return list(Purchase.objects.filter(pk__in=[p.pk for p in purchases]).order_by("pk"))


def decisions(purchase: Purchase) -> list[PurchaseEvent]:
    return list(PurchaseEvent.objects.filter(purchase=purchase, old_state=State.AWAITING_APPROVAL))


def changes_by(user) -> list[LogEntry]:
    return list(LogEntry.objects.filter(user=user, action_flag=CHANGE).order_by("pk"))


def assert_untouched(sandbox, purchases: list[Purchase]) -> None:
    """Still awaiting, undecided, no decision event, never sent."""
    for purchase in fresh(purchases):
        assert purchase.state == State.AWAITING_APPROVAL
        assert purchase.decided_by is None and purchase.decided_at is None
        assert decisions(purchase) == []
    assert recorded(sandbox, purchases) == [0] * len(purchases)
    assert buy_requests(sandbox) == 0
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()


def staff(username: str, group: str):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def held(sandbox, operator) -> list[Purchase]:
    """An operator's batch of two skins for one Steam user, held (above the approval threshold)."""
    purchases = hold(make_user(), sandbox_items(sandbox, 2), actor=operator)
    assert buy_requests(sandbox) == 0
    return purchases


# ---------------------------------------------------------------------------------------------- approving


def test_an_approver_approves_an_operators_batch_and_each_is_bought_exactly_once(sandbox, held, approver):
    report = purchases_approve(purchase_ids=[p.pk for p in held], actor=approver)

    assert report.done == [p.custom_id for p in held] and report.refused == []
    assert report.summary("approved") == "2 purchase(s) approved."
    for purchase in fresh(held):
        assert purchase.state == State.IN_PROGRESS  # approved, queued, sent by the buy task
        assert purchase.decided_by == approver and purchase.decided_at is not None
        assert purchase.buy_id
        [decision] = decisions(purchase)
        assert (decision.new_state, decision.actor, decision.source) == (State.PENDING, approver, "admin")
        assert decision.message == f"approved by {approver.get_username()}: {QUEUED}"
        after = PurchaseEvent.objects.filter(purchase=purchase, at__gte=decision.at).exclude(pk=decision.pk)
        assert [(e.old_state, e.new_state) for e in after.order_by("at", "id")][:1] == [
            (State.PENDING, State.UNCONFIRMED)
        ]
        [entry] = LogEntry.objects.filter(user=approver, object_id=str(purchase.pk))
        assert entry.action_flag == CHANGE
        assert entry.change_message.startswith(f"approved by {approver.get_username()}")
    assert [sandbox.state.buys_recorded[p.custom_id] for p in held] == [1, 1]
    assert recorded(sandbox, held) == [1, 1]
    # the operator's LogEntry of the buy is theirs; the approver's is the decision
    assert LogEntry.objects.filter(action_flag=ADDITION).exclude(user__username="olga.operator").count() == 0


def test_held_purchases_of_buy_skins_are_bought_once_after_approval(sandbox, approver):
    user = make_user()
    items = sandbox_items(sandbox, 2)
    err = StringIO()
    args = ["--steam-id", user.steam_id]
    for item in items:
        args += ["--item", item.provider_item_id]
    call_command("buy_skins", *args, stdout=StringIO(), stderr=err)
    held = list(Purchase.objects.order_by("batch_line"))
    assert "2 of 2 purchase(s) wait for an approver" in err.getvalue()
    assert_untouched(sandbox, held)
    assert all(p.created_by is None for p in held)

    report = purchases_approve(purchase_ids=[p.pk for p in held], actor=approver)

    assert report.refused == []
    assert [p.state for p in fresh(held)] == [State.IN_PROGRESS] * 2
    assert recorded(sandbox, held) == [1, 1] and buy_requests(sandbox) == 1  # one batch request
    assert len(changes_by(approver)) == 2


def test_approving_again_resending_or_the_stale_resend_buys_nothing_more(sandbox, held, approver):
    purchases_approve(purchase_ids=[p.pk for p in held], actor=approver)
    assert recorded(sandbox, held) == [1, 1]

    again = purchases_approve(purchase_ids=[p.pk for p in held], actor=approver)
    purchases_send(purchase_ids=[p.pk for p in held])
    tasks.resend_stale_pending()

    assert again.done == []
    assert [r.endswith("is in progress, not awaiting.") for r in again.refused] == [True, True]
    assert recorded(sandbox, held) == [1, 1]
    assert [len(decisions(p)) for p in held] == [1, 1]
    assert len(changes_by(approver)) == 2


def test_held_purchases_are_never_sent_by_the_buy_task(sandbox, held):
    assert purchases_send(purchase_ids=[p.pk for p in held]) == {"sent": 0}
    Purchase.objects.filter(pk__in=[p.pk for p in held]).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    tasks.resend_stale_pending()  # the lost-task resend picks pending purchases only
    assert_untouched(sandbox, held)


def test_approving_records_a_daily_limit_the_purchase_is_now_over(sandbox, held, approver, settings):
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = "1.00"  # lowered after they were held

    report = purchases_approve(purchase_ids=[held[0].pk], actor=approver)

    assert report.refused == []  # the approver is the override of a limit
    [decision] = decisions(held[0])
    assert decision.message.startswith(f"approved by {approver.get_username()}: {QUEUED}")
    assert "(approved over this Steam user's daily limit" in decision.message
    assert recorded(sandbox, held) == [1, 0]


def test_one_call_approves_the_purchases_of_several_steam_users(sandbox, operator, approver):
    first, second = sandbox_items(sandbox, 2)
    a = hold(make_user(), [first], actor=operator)
    b = hold(make_user(), [second], actor=operator)

    report = purchases_approve(purchase_ids=[a[0].pk, b[0].pk], actor=approver)

    assert sorted(report.done) == sorted([a[0].custom_id, b[0].custom_id])
    assert recorded(sandbox, a + b) == [1, 1]


# ---------------------------------------------------------------------------------------------- who decides


def test_nobody_approves_their_own_purchases(sandbox, superuser, approver):
    """A superuser may approve, but not what they created: another approver must."""
    held = hold(make_user(), sandbox_items(sandbox, 2), actor=superuser)

    own = purchases_approve(purchase_ids=[p.pk for p in held], actor=superuser)

    assert own.done == []
    assert own.refused == [
        f"{p.custom_id}: you created it: another approver must approve it (four eyes)." for p in held
    ]
    assert_untouched(sandbox, held)

    other = purchases_approve(purchase_ids=[p.pk for p in held], actor=approver)

    assert other.done == [p.custom_id for p in held]
    assert recorded(sandbox, held) == [1, 1]
    assert not changes_by(superuser) and len(changes_by(approver)) == 2


def test_a_superuser_approves_what_an_operator_created(sandbox, held, superuser):
    report = purchases_approve(purchase_ids=[p.pk for p in held], actor=superuser)
    assert report.refused == []
    assert {p.decided_by for p in fresh(held)} == {superuser}
    assert recorded(sandbox, held) == [1, 1]


@pytest.mark.parametrize("who", ["support", "operator", "bare_staff", "anonymous", "nobody"])
@pytest.mark.parametrize("decide", ["approve", "decline"])
def test_only_approvers_decide(sandbox, held, request, who, decide):
    others = {"anonymous": AnonymousUser(), "nobody": None}
    actor = others[who] if who in others else request.getfixturevalue(who)
    if decide == "approve":
        report = purchases_approve(purchase_ids=[p.pk for p in held], actor=actor)
        words = "You may not approve purchases (purchases.approve_purchases)."
    else:
        report = purchases_decline(purchase_ids=[p.pk for p in held], actor=actor, reason="no")
        words = "You may not decline purchases (purchases.approve_purchases)."

    assert report.done == [] and report.refused == [words]
    assert report.summary("approved").startswith("0 purchase(s) approved; 1 not: You may not")
    assert_untouched(sandbox, held)


# ---------------------------------------------------------------------------------------------- declining


def test_declining_is_final_buys_nothing_and_is_audited(sandbox, held, approver):
    report = purchases_decline(purchase_ids=[held[0].pk], actor=approver, reason="too dear today")

    assert report.done == [held[0].custom_id] and report.refused == []
    declined, waiting = fresh(held)
    assert declined.state == State.DECLINED and declined.is_final and declined.is_rebuyable
    assert declined.error_code == "declined"
    assert declined.error_reason == f"declined by {approver.get_username()}: too dear today"
    assert declined.decided_by == approver and declined.decided_at is not None
    [event] = decisions(declined)
    assert (event.new_state, event.actor, event.source, event.message) == (
        State.DECLINED,
        approver,
        "admin",
        declined.error_reason,
    )
    [entry] = changes_by(approver)
    assert entry.object_id == str(declined.pk) and "too dear today" in entry.change_message
    assert waiting.state == State.AWAITING_APPROVAL
    assert buy_requests(sandbox) == 0 and recorded(sandbox, held) == [0, 0]

    approved = purchases_approve(purchase_ids=[declined.pk], actor=approver)
    declined_again = purchases_decline(purchase_ids=[declined.pk], actor=approver)

    assert approved.done == [] and approved.refused == [f"{declined.custom_id} is declined, not awaiting."]
    assert declined_again.done == []
    assert Purchase.objects.get(pk=declined.pk).state == State.DECLINED
    assert len(decisions(declined)) == 1 and buy_requests(sandbox) == 0


def test_a_declined_skin_is_no_repeat_and_buy_skins_buys_it_again_once(sandbox, settings, approver):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    call_command("buy_skins", "--steam-id", user.steam_id, "--item", item.provider_item_id, stderr=StringIO())
    held = Purchase.objects.get()
    purchases_decline(purchase_ids=[held.pk], actor=approver)
    settings.PAYOUT_APPROVAL_ABOVE_USD = "100000"

    call_command("buy_skins", "--steam-id", user.steam_id, "--item", item.provider_item_id, stdout=StringIO())

    again = Purchase.objects.exclude(pk=held.pk).get()
    assert again.state == State.IN_PROGRESS and not again.repeat_acknowledged
    assert sandbox.state.buys_recorded[again.custom_id] == 1
    assert recorded(sandbox, [held]) == [0]


def test_buy_again_of_a_declined_purchase_asks_no_provider_and_buys_once(
    sandbox, held, settings, operator, approver
):
    purchases_decline(purchase_ids=[held[0].pk], actor=approver)
    declined = Purchase.objects.get(pk=held[0].pk)
    settings.PAYOUT_APPROVAL_ABOVE_USD = "100000"
    lookups = sandbox.state.requests["market_getinfo"]

    result = purchases_create(
        steam_user=declined.steam_user,
        provider="skinsback",
        lines=[BuyLine(max_price=declined.max_price, item=declined.item, replaces=declined)],
        actor=operator,
        batch_id=uuid.uuid4(),
    )

    [replacement] = fresh(result.purchases)
    assert replacement.replaces == declined and replacement.state == State.IN_PROGRESS
    assert sandbox.state.requests["market_getinfo"] == lookups  # declined: never sent, nothing to ask
    assert recorded(sandbox, [declined, replacement]) == [0, 1]


# ---------------------------------------------------------------------------------------------- expiry


def test_requests_not_decided_in_time_expire_as_declined(sandbox, held, settings):
    created = max(p.created_at for p in held)
    expiry = timedelta(hours=24)

    assert approvals_expire(now=created + expiry - timedelta(seconds=1)) == 0
    assert [p.state for p in fresh(held)] == [State.AWAITING_APPROVAL] * 2

    assert approvals_expire(now=created + expiry + timedelta(seconds=1)) == 2

    why = "approval expired: not decided within 24 h, and prices move"
    for purchase in fresh(held):
        assert (purchase.state, purchase.error_code, purchase.error_reason) == (
            State.DECLINED,
            "declined",
            why,
        )
        assert purchase.decided_by is None and purchase.decided_at is not None
        [event] = decisions(purchase)
        assert (event.new_state, event.actor, event.source, event.message) == (
            State.DECLINED,
            None,
            "command",
            why,
        )
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()  # no person decided
    assert buy_requests(sandbox) == 0
    assert approvals_expire(now=created + 2 * expiry) == 0  # declined once


def test_the_expiry_setting_is_read_and_only_awaiting_requests_expire(sandbox, held, settings):
    settings.PAYOUT_APPROVAL_EXPIRES_HOURS = 2
    old = timezone.now() - timedelta(hours=3)
    Purchase.objects.filter(pk=held[0].pk).update(created_at=old)
    sent_long_ago = make_purchase(state=State.PENDING, created_at=old)

    assert tasks.expire_approvals() == 1  # the schedule's entry point

    first, second = fresh(held)
    assert first.state == State.DECLINED
    assert first.error_reason == "approval expired: not decided within 2 h, and prices move"
    assert second.state == State.AWAITING_APPROVAL
    assert Purchase.objects.get(pk=sent_long_ago.pk).state == State.PENDING


def test_approving_an_expired_request_declines_it_and_approves_nothing(sandbox, held, approver):
    Purchase.objects.filter(pk=held[0].pk).update(created_at=timezone.now() - timedelta(hours=25))

    report = purchases_approve(purchase_ids=[p.pk for p in held], actor=approver)

    expired, approved = fresh(held)
    assert expired.state == State.DECLINED and "approval expired" in expired.error_reason
    assert approved.state == State.IN_PROGRESS
    assert report.done == [approved.custom_id]  # the expired one was not approved
    assert report.refused == [f"{expired.custom_id}: {expired.error_reason} (declined)."]
    assert report.summary("approved").startswith("1 purchase(s) approved; 1 not:")
    assert recorded(sandbox, held) == [0, 1]
    [event] = decisions(expired)
    assert event.actor is None and event.new_state == State.DECLINED


# ---------------------------------------------------------------------------------------------- the repeat guard again


def test_approving_checks_the_repeat_guard_again(sandbox, held, approver):
    """The same skin delivered to the same Steam user meanwhile: the approval is refused and names it."""
    meanwhile = make_purchase(steam_user=held[0].steam_user, item=held[0].item, state=State.DELIVERED)

    report = purchases_approve(purchase_ids=[held[0].pk], actor=approver)

    assert report.done == []
    [refusal] = report.refused
    assert refusal.startswith(f"{held[0].custom_id}: a repeat of {meanwhile.custom_id} (delivered, created")
    assert "Pay again" in refusal
    assert_untouched(sandbox, held)


@pytest.mark.parametrize("state", [State.DECLINED, State.REJECTED, State.FAILED])
def test_a_meanwhile_purchase_that_cost_nothing_does_not_block_the_approval(sandbox, held, approver, state):
    make_purchase(steam_user=held[0].steam_user, item=held[0].item, state=state)

    report = purchases_approve(purchase_ids=[held[0].pk], actor=approver)

    assert report.refused == [] and recorded(sandbox, held) == [1, 0]


def test_another_steam_users_purchase_of_the_skin_does_not_block_the_approval(sandbox, held, approver):
    make_purchase(item=held[0].item, state=State.DELIVERED)
    assert purchases_approve(purchase_ids=[held[0].pk], actor=approver).refused == []
    assert recorded(sandbox, held) == [1, 0]


def test_lines_of_one_batch_for_the_same_skin_are_no_repeats_of_each_other(sandbox, operator, approver):
    item = sandbox_items(sandbox, 1)[0]
    held = hold(make_user(), [item, item], actor=operator)

    report = purchases_approve(purchase_ids=[p.pk for p in held], actor=approver)

    assert report.refused == [] and sorted(report.done) == sorted(p.custom_id for p in held)
    assert [p.state for p in fresh(held)] != [State.AWAITING_APPROVAL] * 2
    assert recorded(sandbox, held) == [1, 1]


@pytest.mark.parametrize("delivered_meanwhile", [False, True])
def test_an_acknowledged_repeat_is_blocked_only_by_what_came_after_it(
    sandbox, operator, approver, delivered_meanwhile
):
    """ "Pay again" ticked for an earlier delivery: that delivery does not block the approval; a delivery
    of the same skin made after the request (one its creator never saw) still does."""
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    seen = make_purchase(steam_user=user, item=item, state=State.DELIVERED)
    [acknowledged] = hold(user, [item], actor=operator, pay_again=True)
    assert acknowledged.repeat_acknowledged
    if delivered_meanwhile:
        later = make_purchase(steam_user=user, item=item, state=State.DELIVERED, imported=True)

    report = purchases_approve(purchase_ids=[acknowledged.pk], actor=approver)

    if delivered_meanwhile:
        [refusal] = report.refused
        assert f"a repeat of {later.custom_id}" in refusal and seen.custom_id not in refusal
        assert_untouched(sandbox, [acknowledged])
    else:
        assert report.refused == [] and report.done == [acknowledged.custom_id]
        assert recorded(sandbox, [acknowledged]) == [1]


# ---------------------------------------------------------------------------------------------- two approvers


@pytest.fixture
def second_approver(roles):
    return staff("abe.approver", "Approvers")


def test_a_purchase_decided_by_one_approver_is_not_decided_again_by_another(
    sandbox, held, approver, second_approver
):
    first = purchases_approve(purchase_ids=[held[0].pk], actor=approver)
    second = purchases_decline(purchase_ids=[held[0].pk], actor=second_approver, reason="too late")

    assert first.done == [held[0].custom_id]
    assert second.done == [] and second.refused == [f"{held[0].custom_id} is in progress, not awaiting."]
    purchase = Purchase.objects.get(pk=held[0].pk)
    assert purchase.decided_by == approver and purchase.error_code == ""
    assert len(decisions(purchase)) == 1
    assert not changes_by(second_approver)
    assert recorded(sandbox, [purchase]) == [1]


def test_a_decision_made_while_another_approval_checks_wins_and_the_approval_changes_nothing(
    sandbox, held, approver, second_approver, monkeypatch
):
    """The interleaving a race produces: approver 2 declines between approver 1's read (awaiting) and
    approver 1's write. The write is conditional on the state, so only the decline is decided."""
    real_problem = approval._approval_problem

    def decline_meanwhile(check, **kwargs):
        purchases_decline(purchase_ids=[check.purchase.pk], actor=second_approver, reason="mine first")
        return real_problem(check, **kwargs)

    monkeypatch.setattr(approval, "_approval_problem", decline_meanwhile)

    report = purchases_approve(purchase_ids=[held[0].pk], actor=approver)

    assert report.done == [] and report.refused == [f"{held[0].custom_id} was decided meanwhile."]
    purchase = Purchase.objects.get(pk=held[0].pk)
    assert purchase.state == State.DECLINED and purchase.decided_by == second_approver
    assert [e.actor for e in decisions(purchase)] == [second_approver]
    assert not changes_by(approver) and len(changes_by(second_approver)) == 1
    assert buy_requests(sandbox) == 0


def test_two_approvers_deciding_at_the_same_moment_make_one_decision(
    sandbox, held, approver, second_approver
):
    start = threading.Barrier(2, timeout=30)
    reports: dict[str, approval.DecisionReport] = {}
    errors: list[BaseException] = []

    def decide(name: str, call) -> None:
        try:
            start.wait()
            reports[name] = call()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    ids = [p.pk for p in held]
    threads = [
        threading.Thread(
            target=decide, args=("approve", lambda: purchases_approve(purchase_ids=ids, actor=approver))
        ),
        threading.Thread(
            target=decide,
            args=("decline", lambda: purchases_decline(purchase_ids=ids, actor=second_approver, reason="no")),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(reports["approve"].done) + len(reports["decline"].done) == 2  # each purchase decided once
    for purchase in fresh(held):
        [decision] = decisions(purchase)
        assert purchase.state != State.AWAITING_APPROVAL
        assert decision.actor == purchase.decided_by
        assert sandbox.state.buy_attempts[purchase.custom_id] == (
            0 if purchase.state == State.DECLINED else 1
        )
    assert LogEntry.objects.filter(action_flag=CHANGE).count() == 2


# ---------------------------------------------------------------------------------------------- pause


def test_approving_while_paused_sends_nothing_until_resumed_then_once(sandbox, held, approver):
    pause_buying(provider="skinsback", actor=None, reason="top-up", source="test")

    report = purchases_approve(purchase_ids=[p.pk for p in held], actor=approver)

    assert report.refused == []
    assert [p.state for p in fresh(held)] == [State.PENDING] * 2  # approved; the buy task waits
    assert buy_requests(sandbox) == 0

    resume_buying(provider="skinsback", actor=None, source="test")

    assert [p.state for p in fresh(held)] == [State.IN_PROGRESS] * 2
    assert recorded(sandbox, held) == [1, 1]
