"""Issue 11: answers as real APIs send them (no custom_id echo, numbers for strings, zero dates, "N/A"
prices, errors without a code) are read, matched and applied; only a positive refusal rejects a buy."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from purchases.models import Purchase, PurchaseEvent
from purchases.services import BuyLine, purchases_create, purchases_send, purchases_sync
from purchases.status import State
from tests.factories import make_item, make_purchase, make_user
from tests.integration.services.helpers import buy

from .evidence import (
    SB_URL,
    SF_URL,
    age,
    fresh,
    getinfo_item,
    items,
    methods,
    post_callback,
    sent,
    vendor_batch_without_echo,
)

pytestmark = pytest.mark.django_db


def unconfirmed(**fields) -> Purchase:
    purchase = make_purchase(state=State.UNCONFIRMED, **fields)
    age(purchase)  # past the offer window: a purchase the provider did not know would now be rejected
    return purchase


# ------------------------------------------------------------------------------ case 2: no custom_id echo


def test_vendor_getinfo_without_custom_id_resolves_the_one_purchase_asked_about(api):
    purchase = unconfirmed()
    api.post(SB_URL, json=items(getinfo_item()))  # the vendor's own example: no custom_id
    report = purchases_sync()
    purchase = fresh(purchase)
    assert sent(api.calls[0])["custom_ids"] == [purchase.custom_id]
    assert (purchase.state, purchase.provider_status, purchase.buy_id) == (
        State.FAILED,
        "trade_create_error",
        "9",
    )
    assert purchase.balance_debited == Decimal("11.73")
    assert report.changed == [(purchase.pk, purchase.custom_id)] and report.not_found == []


def test_answers_without_echo_are_matched_by_skin_id_when_unambiguous(api):
    first, second = make_item(provider_item_id="1280"), make_item(provider_item_id="1281")
    a, b = unconfirmed(item=first), unconfirmed(item=second)
    answer_b = getinfo_item(buy_id="10", item={"id": "1281"}, offer_status="waiting_accept")
    api.post(SB_URL, json=items(answer_b, getinfo_item(offer_status="creating_trade")))
    purchases_sync()
    assert (fresh(a).state, fresh(a).buy_id) == (State.IN_PROGRESS, "9")
    assert (fresh(b).provider_status, fresh(b).buy_id) == ("waiting_accept", "10")


def test_ambiguous_answers_without_echo_flag_and_never_reject(api):
    same = make_item(provider_item_id="1280")
    a, b = unconfirmed(item=same), unconfirmed(item=same)
    api.post(SB_URL, json=items(getinfo_item(buy_id="9"), getinfo_item(buy_id="10")))
    purchases_sync()
    for purchase in (fresh(a), fresh(b)):
        assert purchase.state == State.UNCONFIRMED  # not rejected although past the offer window
        assert purchase.needs_attention and "no custom_id" in purchase.attention_reason


def test_batch_answer_without_custom_id_echo_is_matched_by_the_keyed_skin_id(api):
    user = make_user()
    ids = ["62696971", "62697425", "62696979"]
    lines = [BuyLine(item=make_item(provider_item_id=i), max_price=Decimal("9")) for i in ids]
    created = purchases_create(
        steam_user=user, provider="skinsback", lines=lines, actor=None, batch_id=uuid.uuid4(), enqueue=False
    ).purchases
    body = vendor_batch_without_echo()
    del body["unavailable"]["62697480"]
    api.post(SB_URL, json=body)
    purchases_send(purchase_ids=[p.pk for p in created])
    bought, bought_too, refused = (fresh(p) for p in created)
    assert (bought.state, bought.buy_id, bought.price) == (State.IN_PROGRESS, "129112705", Decimal("8.28"))
    assert (bought_too.state, bought_too.buy_id) == (State.IN_PROGRESS, "129112706")
    assert (refused.state, refused.error_code) == (State.REJECTED, "5")  # a positive refusal
    assert methods(api) == ["market_batch_buy"]  # everything matched: no lookup needed


# ------------------------------------------------------------------------------ case 4: in_hold wins


def test_in_hold_true_keeps_on_hold_although_the_date_has_passed(api):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="9", provider_status="waiting_accept")
    held = getinfo_item(offer_status="accepted", in_hold=True, in_hold_until="2020-01-01 00:00:00")
    api.post(SB_URL, json=items(held))
    purchases_sync()
    purchase = fresh(purchase)
    assert (purchase.state, purchase.in_hold) == (State.ON_HOLD, True)


# ------------------------------------------------------------------------------ case 6: one bad field


def test_malformed_values_are_read_per_item_and_never_stop_the_batch(api):
    a, b, c = (
        make_purchase(state=State.IN_PROGRESS, buy_id=str(n), provider_status="creating_trade")
        for n in (1, 2, 3)
    )
    api.post(
        SB_URL,
        json=items(
            getinfo_item(buy_id=1, offer_status="canceled", error_reason=42),
            getinfo_item(buy_id="2", offer_status="accepted", in_hold=0, in_hold_until="0000-00-00 00:00:00"),
            getinfo_item(buy_id="3", offer_status="waiting_accept", item={"id": "1", "price": "N/A"}),
        ),
    )
    report = purchases_sync()
    a, b, c = fresh(a), fresh(b), fresh(c)
    assert (a.state, a.error_reason, a.needs_attention) == (State.FAILED, "42", False)
    assert (b.state, b.hold_until, b.needs_attention) == (State.DELIVERED, None, False)
    assert (c.state, c.price) == (State.IN_PROGRESS, None)
    assert c.needs_attention and "item.price='N/A'" in c.attention_reason
    assert c.raw["item"]["price"] == "N/A"  # the raw answer is kept
    assert report.unreadable == 1 and "1 answer(s) with unreadable fields" in report.summary()
    assert c.provider_status == "waiting_accept" and len(report.changes) == 2  # two moved state


def test_an_entry_that_is_not_an_object_is_counted_and_the_rest_applied(api):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="9", provider_status="creating_trade")
    other = make_purchase(state=State.IN_PROGRESS, buy_id="10", provider_status="creating_trade")
    api.post(SB_URL, json=items("garbage", getinfo_item(offer_status="waiting_accept")))
    report = purchases_sync()
    assert fresh(purchase).provider_status == "waiting_accept"
    assert fresh(other).state == State.IN_PROGRESS and report.unreadable == 1


def test_a_callback_with_unreadable_values_answers_2xx_and_is_applied(api, client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    data = {
        "item": {"id": "2516", "price": "N/A"},
        "buy_id": "65",
        "offer_status": "canceled",
        "error_reason": 7,
    }
    response = post_callback(client, {**data, "custom_id": purchase.custom_id, "date": "0000-00-00 00:00:00"})
    assert response.status_code == 200
    purchase = fresh(purchase)
    assert (purchase.state, purchase.error_reason) == (State.FAILED, "7")
    assert purchase.needs_attention and "N/A" in purchase.attention_reason


# ------------------------------------------------------------------------------ case 7: unknown refusals


def _send_one(provider: str, item_id: str = "1280") -> Purchase:
    item = make_item(provider=provider, provider_item_id=item_id)
    [purchase] = buy(make_user(), [item], enqueue=False, provider=provider)
    purchases_send(purchase_ids=[purchase.pk])
    return fresh(purchase)


def test_an_error_without_a_code_on_a_buy_is_looked_up_not_rejected(api):
    api.post(SB_URL, json={"status": "error"})
    api.post(SB_URL, json=items(getinfo_item(offer_status="creating_trade")))  # the lookup by custom_id
    purchase = _send_one("skinsback")
    assert (purchase.state, purchase.buy_id) == (State.IN_PROGRESS, "9")
    assert purchase.error_reason == ""  # our "no usable answer" note goes once the provider has answered
    assert methods(api) == ["market_batch_buy", "market_getinfo"]


def test_an_undocumented_code_on_a_buy_is_outcome_unknown(api):
    api.post(SB_URL, json={"status": "error", "error_code": 99, "error_message": "internal"})
    api.post(SB_URL, json={"status": "success", "items": []})  # the provider does not know it (yet)
    purchase = _send_one("skinsback")
    assert purchase.state == State.UNCONFIRMED and "no usable answer" in purchase.error_reason


def test_a_documented_refusal_still_rejects(api):
    api.post(
        SB_URL,
        json={"status": "error", "error_code": 6, "error_message": "skins_not_found_at_specified_price"},
    )
    purchase = _send_one("skinsback")
    assert (purchase.state, purchase.error_code) == (State.REJECTED, "6")
    assert methods(api) == ["market_batch_buy"]


@pytest.mark.parametrize("message", ["request_timeout", "under_maintenance"])
def test_skinify_timeout_or_maintenance_on_a_buy_is_looked_up(api, message):
    api.post(SF_URL + "withdraw/buy", json={"status": "error", "error_message": message})
    found = {"purchase_id": 5, "purchase_status": "processing", "skin": {"id": "1280", "price": 0.3}}
    api.get(SF_URL + "withdraw/info", json={"status": "success", "items": [found]})  # no custom_id echo
    purchase = _send_one("skinify")
    assert (purchase.state, purchase.buy_id) == (State.IN_PROGRESS, "5")
    assert not PurchaseEvent.objects.filter(purchase=purchase, new_state=State.REJECTED).exists()
