"""Issue 11: final states are revised by later evidence, callbacks are hints, writes are compare-and-set."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from purchases.models import Purchase, PurchaseEvent
from purchases.providers.base import PurchaseInfo
from purchases.services import purchases_reverify
from purchases.services.apply import compute_change
from purchases.services.lookup import NEVER_REACHED
from purchases.services.writes import apply_answer, write_changes
from purchases.status import State
from purchases.tasks import reconcile
from tests.factories import make_purchase

from .evidence import SB_URL, fresh, getinfo_item, items, methods, post_callback

pytestmark = pytest.mark.django_db


def corrected(purchase: Purchase) -> PurchaseEvent:
    return PurchaseEvent.objects.filter(purchase=purchase, message__startswith="Corrected").get()


# ------------------------------------------------------------------------------ case 5: later evidence


def test_a_rejection_we_inferred_is_corrected_when_the_provider_has_the_purchase(api):
    purchase = make_purchase(state=State.REJECTED, error_reason=NEVER_REACHED)
    api.post(SB_URL, json=items(getinfo_item(offer_status="waiting_accept", custom_id=purchase.custom_id)))
    result = reconcile()
    purchase = fresh(purchase)
    assert (purchase.state, purchase.buy_id, purchase.error_reason) == (State.IN_PROGRESS, "9", "")
    assert purchase.needs_attention and "Corrected" in purchase.attention_reason
    assert corrected(purchase).old_state == State.REJECTED
    assert result["reverified"]["changed"] == 1


def test_a_failed_trade_later_accepted_and_a_delivered_one_rolled_back_are_corrected(api):
    failed = make_purchase(state=State.FAILED, buy_id="9", provider_status="trade_create_error")
    delivered = make_purchase(state=State.DELIVERED, buy_id="10", provider_status="accepted")
    api.post(
        SB_URL,
        json=items(
            getinfo_item(buy_id="9", offer_status="accepted", in_hold=False),
            getinfo_item(buy_id="10", offer_status="rollback_user"),
        ),
    )
    report = purchases_reverify()
    assert fresh(failed).state == State.DELIVERED and fresh(failed).needs_attention
    assert fresh(delivered).state == State.REVERTED and fresh(delivered).needs_attention
    assert len(report.changes) == 2 and report.requests == 1  # one batched request


def test_reverify_leaves_old_final_purchases_and_inferred_rejections_past_their_window_alone(api):
    old = make_purchase(state=State.DELIVERED, buy_id="9", provider_status="accepted")
    Purchase.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=9))
    open_one = make_purchase(state=State.IN_PROGRESS, buy_id="10", provider_status="creating_trade")
    report = purchases_reverify()
    assert report.requests == 0 and not api.calls
    assert fresh(open_one).state == State.IN_PROGRESS


def test_a_rejected_purchase_the_provider_still_does_not_know_is_not_flagged(api):
    purchase = make_purchase(state=State.REJECTED, error_reason=NEVER_REACHED)
    api.post(SB_URL, json={"status": "success", "items": []})
    purchases_reverify()
    assert fresh(purchase).state == State.REJECTED and not fresh(purchase).needs_attention


def test_lookup_purchase_refresh_always_asks_even_for_a_final_purchase(api):
    purchase = make_purchase(state=State.DELIVERED, buy_id="9", provider_status="accepted")
    Purchase.objects.filter(pk=purchase.pk).update(updated_at=timezone.now() - timedelta(days=30))
    api.post(SB_URL, json=items(getinfo_item(offer_status="rollback_supplier")))
    call_command("lookup_purchase", purchase.custom_id, "--refresh", stdout=StringIO())
    assert fresh(purchase).state == State.REVERTED and methods(api) == ["market_getinfo"]


# ------------------------------------------------------------------------------ case 3: callbacks are hints


def hold_less_callback(purchase: Purchase, offer_status: str) -> dict:
    """A status_change callback's data for buy 65, as the vendor sends it: no hold fields."""
    return {
        "item": {"id": "2516"},
        "buy_id": "65",
        "offer_status": offer_status,
        "custom_id": purchase.custom_id,
    }


def test_an_accepted_callback_without_hold_fields_keeps_it_open_and_looks_it_up(api, client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="waiting_accept")
    held = getinfo_item(
        buy_id="65", offer_status="accepted", in_hold=True, in_hold_until="2099-01-01 00:00:00"
    )
    api.post(SB_URL, json=items(held))  # the lookup the callback asks for (the task runs inline in tests)
    data = {"item": {"id": "2516"}, "buy_id": "65", "offer_status": "accepted", "error_reason": None}
    response = post_callback(client, {**data, "tradeofferid": "4176876858", "custom_id": purchase.custom_id})
    assert response.status_code == 200
    purchase = fresh(purchase)
    assert (purchase.state, purchase.provider_status) == (State.ON_HOLD, "accepted")
    assert purchase.hold_until.year == 2099 and methods(api) == ["market_getinfo"]
    # a rollback inside Steam Trade Protection reaches reverted
    post_callback(client, {**data, "offer_status": "rollback_user", "custom_id": purchase.custom_id})
    assert fresh(purchase).state == State.REVERTED


def test_a_hold_less_accepted_callback_stays_open_when_the_lookup_fails(api, client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="waiting_accept")
    api.post(SB_URL, status=502)
    assert post_callback(client, hold_less_callback(purchase, "accepted")).status_code == 200
    assert fresh(purchase).state == State.ON_HOLD  # open and polled, never final on a hint


def test_a_callback_contradicting_a_final_state_does_not_reopen_it_but_asks(api, client):
    purchase = make_purchase(state=State.DELIVERED, buy_id="65", provider_status="accepted")
    api.post(SB_URL, json=items(getinfo_item(buy_id="65", offer_status="accepted", in_hold=False)))
    assert post_callback(client, hold_less_callback(purchase, "waiting_accept")).status_code == 200
    assert fresh(purchase).state == State.DELIVERED and methods(api) == ["market_getinfo"]


# ------------------------------------------------------------------------------ case 8: compare-and-set


def info(status: str, **fields) -> PurchaseInfo:
    return PurchaseInfo(provider="skinsback", status=status, buy_id="9", **fields)


def test_a_sync_answer_computed_before_a_callback_landed_does_not_overwrite_it():
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="9", provider_status="waiting_accept")
    now = timezone.now()
    stale = compute_change(purchase, info("waiting_accept", trade_offer_id="1"), source="sync", now=now)
    # meanwhile a callback says the trade was canceled
    apply_answer(fresh(purchase), info("canceled"), source="webhook")
    written = write_changes([stale], [purchase.pk], now)
    assert written == [] and fresh(purchase).state == State.FAILED
    assert fresh(purchase).trade_offer_id is None


def test_a_single_answer_that_lost_the_race_is_judged_again_against_the_winner():
    purchase = make_purchase(state=State.UNCONFIRMED)
    stale_copy = fresh(purchase)
    Purchase.objects.filter(pk=purchase.pk).update(state=State.IN_PROGRESS, provider_status="waiting_accept")
    apply_answer(stale_copy, info("creating_trade"), source="buy")  # the buy answer, older than the callback
    purchase = fresh(purchase)
    assert (purchase.state, purchase.provider_status, purchase.buy_id) == (
        State.IN_PROGRESS,
        "waiting_accept",
        None,
    )
    assert not PurchaseEvent.objects.filter(purchase=purchase).exists()
