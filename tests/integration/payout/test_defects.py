"""Issue 18's six defects, each driven through the real admin views (the confirmation page GET, its form
POSTed back as rendered, the "Buy again" action), asserting what holds after the fix: the purchases'
states, their PurchaseEvents and LogEntries, and what the provider was asked to buy (0 for what was refused
or held).

The buy tasks run when the request's transaction commits (`committed`; the cluster is synchronous in tests),
so a refused or held purchase that reached the provider would show in `bought(buys)`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.utils import timezone

import purchases.services.create as create
from purchases.models import Purchase, PurchaseEvent
from purchases.providers.base import PurchaseInfo
from purchases.services import BuyError, BuyLine, purchases_create
from tests.factories import make_item, make_purchase, make_user
from tests.integration.buy_ui.conftest import provider_error

from .helpers import CONFIRM_URL, bought, buy_again, form_data, open_confirm, problems, text, unticked

pytestmark = pytest.mark.django_db


def additions(purchases) -> list[int]:
    """The purchases (pks) that have an admin LogEntry of their creation."""
    rows = LogEntry.objects.filter(action_flag=ADDITION, object_id__in=[str(p.pk) for p in purchases])
    return sorted(int(pk) for pk in rows.values_list("object_id", flat=True))


def response_refused(response, words: str) -> bool:
    return words in problems(response)


def buy_again_url(client, original) -> str:
    response = buy_again(client, [original])
    assert response.status_code == 302, response
    return response["Location"]


def failed_by_a_callback(user, skin) -> Purchase:
    """A purchase `failed` only because a callback said so (a hint): the provider was never asked."""
    purchase = make_purchase(
        steam_user=user, item=skin, state="failed", buy_id="55501", provider_status="canceled"
    )
    PurchaseEvent.objects.create(
        purchase=purchase, old_state="in_progress", new_state="failed", source="callback", message="callback"
    )
    return purchase


# ------------------------------------------------------------------------------- 1. two tabs, one payout


def test_two_tabs_for_the_same_skin_pay_once_and_the_second_names_the_first(
    operator_c, operator, buys, committed
):
    user, skin = make_user(), make_item(name="AK-47 | Redline (Field-Tested)", price=Decimal("40.00"))
    tab_one = open_confirm(operator_c, user, [skin])
    tab_two = open_confirm(operator_c, user, [skin])
    one, two = unticked(form_data(tab_one)), unticked(form_data(tab_two))
    assert one["batch_id"] != two["batch_id"] and one["plan"] != two["plan"]

    with committed():
        assert operator_c.post(CONFIRM_URL, one).status_code == 302
    first = Purchase.objects.get()
    assert (first.state, first.created_by, first.repeat_acknowledged) == ("in_progress", operator, False)
    assert bought(buys) == [first.custom_id]

    with committed() as callbacks:
        refused = operator_c.post(CONFIRM_URL, two)
    words = problems(refused)
    assert f"{skin.name}: this Steam user was already paid this skin" in words
    assert first.custom_id in words and "olga.operator" in words and "Pay again" in words
    assert Purchase.objects.count() == 1 and callbacks == []
    assert bought(buys) == [first.custom_id]  # nothing more asked of the provider
    page = text(refused)
    assert (
        f'id="bo-repeat-i{skin.pk}"' in page
        and first.custom_id in page.split(f'id="bo-repeat-i{skin.pk}"')[1]
    )
    assert f'name="again_i{skin.pk}"' in page

    again = unticked(form_data(refused, **{f"again_i{skin.pk}": "on"}))
    assert again["batch_id"] == two["batch_id"]
    with committed():
        assert operator_c.post(CONFIRM_URL, again).status_code == 302
    second = Purchase.objects.exclude(pk=first.pk).get()
    assert str(second.batch_id) == two["batch_id"] and second.repeat_acknowledged is True
    assert bought(buys) == [first.custom_id, second.custom_id]
    assert additions([first, second]) == sorted([first.pk, second.pk])
    created = PurchaseEvent.objects.filter(new_state="pending", old_state="").order_by("pk")
    assert [e.purchase_id for e in created] == [first.pk, second.pk]


@pytest.fixture
def later(monkeypatch):
    """`later(seconds)`: the clock moved on by that much (timezone.now, which the views and services read)."""
    real_now = timezone.now

    def move(seconds: float) -> None:
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=seconds))

    return move


def test_the_page_reopened_from_history_25_s_later_is_refused(operator_c, buys, committed, later):
    user, skin = make_user(), make_item(name="AWP | Asiimov (Field-Tested)", price=Decimal("90.00"))
    with committed():
        operator_c.post(CONFIRM_URL, unticked(form_data(open_confirm(operator_c, user, [skin]))))
    first = Purchase.objects.get()
    Purchase.objects.filter(pk=first.pk).update(state="delivered")  # paid and gone
    assert bought(buys) == [first.custom_id]

    later(25)
    reopened = open_confirm(operator_c, user, [skin])
    page = text(reopened)
    warning = page.split(f'id="bo-repeat-i{skin.pk}"')[1].split("</div>")[0]
    assert first.custom_id in warning and "delivered" in warning
    with committed() as callbacks:
        refused = operator_c.post(CONFIRM_URL, unticked(form_data(reopened)))
    words = problems(refused)
    assert first.custom_id in words and "(delivered, created" in words
    assert Purchase.objects.count() == 1 and callbacks == [] and bought(buys) == [first.custom_id]


def test_the_same_skin_bought_elsewhere_is_a_repeat_too(operator_c, buys, committed):
    """The same market hash name at another provider (Skinify) still pays the same skin to the same user."""
    user = make_user()
    name = "M4A1-S | Printstream (Minimal Wear)"
    earlier = make_purchase(steam_user=user, provider="skinify", item_name=name, state="on_hold")
    skin = make_item(name=name, provider="skinsback", price=Decimal("120.00"))
    with committed() as callbacks:
        refused = operator_c.post(CONFIRM_URL, unticked(form_data(open_confirm(operator_c, user, [skin]))))
    assert earlier.custom_id in problems(refused)
    assert Purchase.objects.count() == 1 and callbacks == [] and bought(buys) == []


# ------------------------------------------------------------------------------- 2. 45% of the balance


def test_45_percent_of_the_balance_for_one_user_waits_for_an_approver(operator_c, operator, buys, committed):
    """4,515.91 USD of a 10,000.00 USD balance, one operator click: held, nothing sent, said beforehand."""
    user = make_user()
    skins = [make_item(price=Decimal("950.00")) for _ in range(4)]  # max 1,000.00 each (the cap)
    skins.append(make_item(price=Decimal("469.01")))  # max 515.91
    page = open_confirm(operator_c, user, skins)
    assert page.context["total"] == Decimal("4515.91")
    shown = text(page)
    assert "4,515.91 USD" in shown and "10,000.00 USD" in shown
    note = shown.split('id="bo-approval-note"')[1].split("</div>")[0]
    assert "5 of 5 lines will wait for an approver" in note
    held_line = shown.split(f'id="bo-held-i{skins[0].pk}"')[1].split("</div>")[0]
    assert "above the approval threshold of 500.00 USD" in held_line

    with committed():
        response = operator_c.post(CONFIRM_URL, unticked(form_data(page)))
    assert response.status_code == 302
    landed = text(operator_c.get(response["Location"]))
    assert "5 purchases created: 5 wait for an approver" in landed
    purchases = list(Purchase.objects.order_by("batch_line"))
    assert len(purchases) == 5
    assert {p.state for p in purchases} == {"awaiting_approval"}
    assert sum(p.max_price for p in purchases) == Decimal("4515.91")
    for p in purchases:
        assert (
            "the batch's total 4,515.91 USD is above the approval threshold of 500.00 USD"
            in p.approval_reason
        )
        assert p.created_by == operator and p.sent_at is None
    assert bought(buys) == [] and buys.writes == []
    events = PurchaseEvent.objects.filter(purchase__in=purchases)
    assert [(e.old_state, e.new_state, e.actor) for e in events] == [("", "awaiting_approval", operator)] * 5
    assert all(e.message.startswith("created; awaiting approval: the batch's total") for e in events)
    assert additions(purchases) == sorted(p.pk for p in purchases)


# ------------------------------------------------------------------------------- 3. Buy again to another person


def test_buy_again_for_another_steam_user_is_refused_and_the_original_stays_rebuyable(
    operator_c, buys, committed
):
    owner, stranger = make_user(), make_user()
    skin = make_item(price=Decimal("30.00"))
    original = make_purchase(steam_user=owner, item=skin, state="failed", max_price=Decimal("33.00"))
    buys.purchases_say("canceled")  # the provider would confirm the failure: that is not what stops it

    page = open_confirm(operator_c, stranger, replaces=[original])
    assert page.context["plan"].lines == []  # the page offers nothing to buy, and says why
    assert f"{original.custom_id} was for another Steam user" in text(page)
    with committed() as callbacks:
        refused = operator_c.post(CONFIRM_URL, unticked(form_data(page)))
    assert refused.status_code == 200 and refused.context["problems"]
    assert Purchase.objects.count() == 1 and callbacks == [] and bought(buys) == []
    assert buys.called("get_purchases") == []  # refused before the provider is even asked
    original.refresh_from_db()
    assert original.state == "failed" and original.is_rebuyable
    assert not Purchase.objects.filter(replaces=original).exists()

    # the owner's own Buy again still works: exactly one replacement, for the owner
    landed = operator_c.get(buy_again_url(operator_c, original))
    with committed():
        operator_c.post(CONFIRM_URL, unticked(form_data(landed)))
    replacement = Purchase.objects.get(replaces=original)
    assert replacement.steam_user == owner and bought(buys) == [replacement.custom_id]


def test_a_crafted_post_cannot_move_a_replacement_to_another_steam_user(operator_c, buys, committed):
    owner, stranger = make_user(), make_user()
    original = make_purchase(steam_user=owner, item=make_item(), state="failed")
    buys.purchases_say("canceled")
    skin = make_item(price=Decimal("12.00"))

    # the owner's page, posted with the other Steam user
    owners_page = form_data(open_confirm(operator_c, owner, replaces=[original]))
    with committed() as callbacks:
        refused = operator_c.post(CONFIRM_URL, unticked({**owners_page, "steam_user": str(stranger.pk)}))
    assert response_refused(refused, "does not match the page it came from")
    assert Purchase.objects.count() == 1 and callbacks == []

    # the other user's page for one skin, with the original added to its lines by hand
    strangers_page = form_data(open_confirm(operator_c, stranger, [skin]))
    crafted = {**strangers_page, "lines": f"i{skin.pk},r{original.pk}", f"max_r{original.pk}": "11.00"}
    with committed():
        assert operator_c.post(CONFIRM_URL, unticked(crafted)).status_code == 302
    (new,) = Purchase.objects.exclude(pk=original.pk)
    assert (new.item, new.steam_user, new.replaces) == (skin, stranger, None)
    assert bought(buys) == [new.custom_id]
    original.refresh_from_db()
    assert original.is_rebuyable and not Purchase.objects.filter(replaces=original).exists()


# ------------------------------------------------------------------------------- 4. only what the page computed


def test_a_crafted_post_buys_only_the_signed_lines(operator_c, buys, committed):
    """A failed Skinify purchase added by hand to a SkinsBack confirmation (`r<pk>` in `lines`, its own
    `max_r<pk>`, a "Pay again" tick) is not bought: the signed plan says what the POST buys."""
    user = make_user()
    skin = make_item(provider="skinsback", price=Decimal("20.00"))
    at_skinify = make_purchase(
        steam_user=user, provider="skinify", item_name="Glock-18 | Fade (Factory New)", state="failed"
    )
    buys.purchases_say("canceled")
    page = form_data(open_confirm(operator_c, user, [skin]))
    crafted = {
        **page,
        "lines": f"i{skin.pk},r{at_skinify.pk}",
        f"max_r{at_skinify.pk}": "900.00",
        f"again_r{at_skinify.pk}": "on",
        f"max_i{skin.pk + 1000}": "5.00",
    }
    buys.reset()
    with committed():
        assert operator_c.post(CONFIRM_URL, unticked(crafted)).status_code == 302
    (new,) = Purchase.objects.exclude(pk=at_skinify.pk)
    assert (new.provider, new.item, new.replaces, new.max_price) == (
        "skinsback",
        skin,
        None,
        Decimal("22.00"),
    )
    assert bought(buys) == [new.custom_id]
    assert [c.code for c in buys.calls] == ["skinsback"]  # the one buy; Skinify is not even asked
    assert not Purchase.objects.filter(replaces=at_skinify).exists()
    assert additions(Purchase.objects.all()) == [new.pk]


def test_a_purchase_bought_again_in_a_mixed_batch_stays_at_its_own_provider(operator_c, buys, committed):
    """A batch may buy from several providers now (issue 22); a line bought again never moves provider."""
    user = make_user()
    skin = make_item(provider="skinsback")
    at_skinify = make_purchase(
        steam_user=user, provider="skinify", item_name="USP-S | Kill Confirmed", state="failed", buy_id="77"
    )
    buys.purchases_say("canceled")  # the provider confirms the failure: bought again
    page = operator_c.get(CONFIRM_URL, {"steam_user": user.pk, "items": skin.pk, "replaces": at_skinify.pk})
    planned = {line.key: line.provider for line in page.context["plan"].lines}
    assert planned == {f"i{skin.pk}": "skinsback", f"r{at_skinify.pk}": "skinify"}
    with committed():
        operator_c.post(CONFIRM_URL, unticked(form_data(page)))
    again = Purchase.objects.get(replaces=at_skinify)
    assert again.provider == "skinify" and again.route == ""
    assert Purchase.objects.get(item=skin, batch_id=again.batch_id).provider == "skinsback"
    assert len(bought(buys)) == 2


@pytest.mark.parametrize("plan", ["", "forged", "other-page"])
def test_a_post_without_this_pages_signed_plan_creates_nothing(operator_c, buys, committed, plan):
    user, skin = make_user(), make_item()
    page = form_data(open_confirm(operator_c, user, [skin]))
    if plan == "other-page":  # a real plan, signed for another page (another batch)
        plan = form_data(open_confirm(operator_c, user, [skin]))["plan"]
    with committed() as callbacks:
        refused = operator_c.post(CONFIRM_URL, unticked({**page, "plan": plan}))
    assert refused.status_code == 200
    assert Purchase.objects.count() == 0 and callbacks == [] and bought(buys) == []


def test_the_service_refuses_a_replacement_at_another_provider(operator, buys):
    """The same rule where every path meets it: purchases_create, for a line bought by name (no item)."""
    user = make_user()
    at_skinify = make_purchase(
        steam_user=user, provider="skinify", item_name="AK-47 | Vulcan", state="failed"
    )
    line = BuyLine(max_price=Decimal("50.00"), name=at_skinify.item_name, game="cs2", replaces=at_skinify)
    with pytest.raises(BuyError) as refused:
        purchases_create(
            steam_user=user, provider="skinsback", lines=[line], actor=operator, batch_id=uuid.uuid4()
        )
    assert f"{at_skinify.custom_id} was bought from Skinify: it is bought again from Skinify only." in (
        refused.value.messages
    )
    assert Purchase.objects.count() == 1 and buys.calls == []


# ------------------------------------------------------------------------------- 5. running out of money


def test_a_batch_above_the_balance_is_refused_unless_sent_anyway(operator_c, buys, committed):
    buys.balance_amount = Decimal("50.00")
    user, skin = make_user(), make_item(price=Decimal("60.00"))  # max 66.00
    page = open_confirm(operator_c, user, [skin])
    warning = text(page).split('id="bo-funds-warning"')[1].split("</div>")[0]
    assert "66.00 USD" in warning and "50.00 USD" in warning and 'name="over_balance"' in warning

    with committed() as callbacks:
        refused = operator_c.post(CONFIRM_URL, unticked(form_data(page)))
    words = problems(refused)
    assert "total max price 66.00 USD is above the provider's balance 50.00 USD" in words
    assert "Send anyway" in words
    assert Purchase.objects.count() == 0 and callbacks == [] and bought(buys) == []
    assert 'id="bo-funds-warning"' in text(refused)  # still said on the page shown again

    with committed():
        sent = operator_c.post(CONFIRM_URL, unticked(form_data(refused, over_balance="on")))
    assert sent.status_code == 302
    purchase = Purchase.objects.get()
    assert purchase.state == "in_progress" and bought(buys) == [purchase.custom_id]


def test_a_batch_within_the_balance_has_no_warning(operator_c, buys, committed):
    buys.balance_amount = Decimal("66.00")
    page = open_confirm(operator_c, make_user(), [make_item(price=Decimal("60.00"))])
    assert 'id="bo-funds-warning"' not in text(page)
    with committed():
        assert operator_c.post(CONFIRM_URL, unticked(form_data(page))).status_code == 302
    assert len(bought(buys)) == 1


# ------------------------------------------------------------------------------- 6. Buy again asks first


@pytest.mark.parametrize(("said", "state"), [("accepted", "delivered"), ("waiting_accept", "in_progress")])
def test_buy_again_of_a_purchase_the_provider_did_not_fail_is_refused(
    operator_c, operator, buys, committed, said, state
):
    user, skin = make_user(), make_item(price=Decimal("25.00"))
    original = failed_by_a_callback(user, skin)
    buys.purchases_say(said)
    page = operator_c.get(buy_again_url(operator_c, original))
    buys.reset()
    with committed() as callbacks:
        refused = operator_c.post(CONFIRM_URL, unticked(form_data(page)))
    assert response_refused(refused, f"{original.custom_id}: SkinsBack says “{said}”")
    assert "not a failure: not bought again" in problems(refused)
    assert Purchase.objects.count() == 1 and callbacks == [] and bought(buys) == []
    assert [(c.method, c.kwargs["buy_ids"]) for c in buys.calls] == [("get_purchases", ["55501"])]
    original.refresh_from_db()
    assert (original.state, original.provider_status) == (state, said)  # what the provider said
    event = PurchaseEvent.objects.filter(purchase=original).latest("pk")
    assert (event.old_state, event.new_state, event.actor) == ("failed", state, operator)


def test_buy_again_when_the_provider_cannot_be_asked_is_refused(operator_c, buys, committed):
    original = failed_by_a_callback(make_user(), make_item())
    page = operator_c.get(buy_again_url(operator_c, original))
    buys.errors["get_purchases"] = provider_error()
    with committed():
        refused = operator_c.post(CONFIRM_URL, unticked(form_data(page)))
    assert response_refused(refused, "could not be asked whether it failed")
    assert Purchase.objects.count() == 1 and bought(buys) == []
    original.refresh_from_db()
    assert original.state == "failed"


def test_buy_again_when_the_provider_confirms_the_failure_buys_once(operator_c, operator, buys, committed):
    user, skin = make_user(), make_item(price=Decimal("25.00"))
    original = failed_by_a_callback(user, skin)
    buys.purchases_say("canceled")
    page = operator_c.get(buy_again_url(operator_c, original))
    data = unticked(form_data(page))
    with committed():
        assert operator_c.post(CONFIRM_URL, data).status_code == 302
    with committed():  # the same page again: nothing new
        operator_c.post(CONFIRM_URL, data)
    new = Purchase.objects.get(replaces=original)
    assert (new.steam_user, new.provider, new.item, new.created_by) == (user, "skinsback", skin, operator)
    assert Purchase.objects.count() == 2 and bought(buys) == [new.custom_id]
    original.refresh_from_db()
    assert original.state == "failed"
    assert additions([new]) == [new.pk]


def test_buy_again_bought_again_by_another_tab_while_the_provider_was_asked_is_refused(
    operator_c, operator, buys, committed
):
    """Asking the provider takes a while (the interactive timeout): another tab's replacement of the same
    purchase may commit meanwhile. Under the lock the second one is refused with the words that say so,
    even with "Pay again" ticked (buy_skins --allow-repeat), not passed off as "submitted before"."""
    user, skin = make_user(), make_item(price=Decimal("25.00"))
    original = failed_by_a_callback(user, skin)
    page = operator_c.get(buy_again_url(operator_c, original))
    other_tab: list[Purchase] = []

    def canceled(buy_ids=(), custom_ids=()):
        if not other_tab:  # the other tab, asked first, commits its replacement while this one waits
            other_tab.append(None)
            line = BuyLine(max_price=Decimal("27.50"), item=skin, replaces=original)
            result = purchases_create(
                steam_user=user, provider="skinsback", lines=[line], actor=operator, batch_id=uuid.uuid4()
            )
            other_tab[:] = result.purchases
        return [PurchaseInfo(provider="", status="canceled", buy_id=b) for b in buy_ids]

    buys.answers["get_purchases"] = canceled
    data = unticked(form_data(page, **{f"again_r{original.pk}": "on"}))
    with committed():
        refused = operator_c.post(CONFIRM_URL, data)
    (replacement,) = other_tab
    assert response_refused(
        refused, f"{original.custom_id} was already bought again as {replacement.custom_id}"
    )
    assert list(Purchase.objects.filter(replaces=original)) == [replacement]
    assert Purchase.objects.count() == 2


def test_a_replacement_lost_to_the_constraint_is_refused_not_called_submitted_before(
    operator, buys, monkeypatch
):
    """Should the lock's check be bypassed, the one-replacement constraint still refuses the second, with
    the words, and does not pass it off as a resubmission of its own batch."""
    user, skin = make_user(), make_item()
    original = failed_by_a_callback(user, skin)
    first = make_purchase(steam_user=user, item=skin, state="pending", replaces=original)
    buys.purchases_say("canceled")
    monkeypatch.setattr(create, "validate_lines", lambda **kwargs: None)  # as if read before `first`
    real, seen = create._replaced_meanwhile, []

    def replaced_meanwhile(lines):  # the check under the lock misses it; the one after the conflict not
        seen.append(lines)
        return [] if len(seen) == 1 else real(lines)

    monkeypatch.setattr(create, "_replaced_meanwhile", replaced_meanwhile)
    line = BuyLine(max_price=Decimal("11.00"), item=skin, replaces=original, pay_again=True)
    with pytest.raises(BuyError) as refused:
        purchases_create(
            steam_user=user, provider="skinsback", lines=[line], actor=operator, batch_id=uuid.uuid4()
        )
    assert refused.value.messages == [f"{original.custom_id} was already bought again as {first.custom_id}."]
    assert len(seen) == 2 and Purchase.objects.count() == 2


@pytest.mark.parametrize("earlier", ["failed", "declined", "rejected", "outside the window"])
def test_what_cost_nothing_or_is_older_than_the_window_is_no_repeat(operator_c, buys, committed, earlier):
    user, skin = make_user(), make_item(name="AK-47 | Slate (Field-Tested)")
    state = "delivered" if earlier == "outside the window" else earlier
    before = make_purchase(steam_user=user, item_name=skin.name, state=state)
    if earlier == "outside the window":  # PAYOUT_REPEAT_WINDOW_HOURS is 24
        Purchase.objects.filter(pk=before.pk).update(
            created_at=timezone.now() - timedelta(hours=24, minutes=1)
        )
    page = open_confirm(operator_c, user, [skin])
    assert f'id="bo-repeat-i{skin.pk}"' not in text(page)
    with committed():
        assert operator_c.post(CONFIRM_URL, unticked(form_data(page))).status_code == 302
    assert len(bought(buys)) == 1


def test_a_repeat_is_seen_whatever_the_case_and_spacing_of_the_name(buys, payout_holds_off):
    """`buy_skins --name` is typed by hand: the same skin in another case is still the same skin."""
    import uuid
    from decimal import Decimal

    from purchases.services import BuyError, BuyLine, purchases_create
    from tests.factories import make_user

    user = make_user()

    def buy(name: str):
        line = BuyLine(max_price=Decimal("5.00"), name=name, game="cs2")
        return purchases_create(
            steam_user=user, provider="skinsback", lines=[line], actor=None, batch_id=uuid.uuid4()
        )

    first = buy("AK-47 | Redline (Field-Tested)").purchases[0]
    with pytest.raises(BuyError) as refused:
        buy("ak-47 |  redline (field-tested)")
    assert first.custom_id in str(refused.value)
