"""Skinify purchase endpoints: withdraw/buy, info, history, update-trade-token, cancel-reservation."""

from __future__ import annotations

from typing import Any

from .buying import BuyError, BuyInput, buy, check_trade_url
from .config import HISTORY_PAGE_SIZE, SKINIFY
from .errors import SKINIFY_BUY_MESSAGES, SkinifyError
from .money import number, php_money
from .phpform import as_list, text
from .purchases import Purchase
from .state import SandboxState

Params = dict[str, Any]


def bought(purchase: Purchase) -> dict[str, Any]:
    """withdraw/buy's answer: numbers as numbers, like the vendor example."""
    listing = purchase.listing
    skin = {
        "id": str(listing.id),
        "name": listing.name,
        "price": number(purchase.price),
        "properties": {"classid": listing.entry.classid},
    }
    result: dict[str, Any] = {
        "skin": skin,
        "purchase_id": purchase.buy_id,
        "purchase_status": purchase.steps[0].status,
        "date": str(int(purchase.created_at)),
        "balance_debited_amount": number(purchase.price),
        "custom_id": purchase.custom_id,
    }
    if purchase.reserved_until is not None:
        result["reserved_until"] = int(purchase.reserved_until)
    return result


def info(purchase: Purchase, now: float) -> dict[str, Any]:
    """withdraw/info and withdraw/history items: values as strings, like the vendor example."""
    snap = purchase.snapshot(now)
    listing = purchase.listing
    skin = {
        "id": str(listing.id),
        "name": listing.name,
        "price": php_money(purchase.price),
        "properties": {"classid": listing.entry.classid},
    }
    result: dict[str, Any] = {
        "skin": skin,
        "purchase_id": str(purchase.buy_id),
        "purchase_status": snap.status,
        "steam_id": purchase.steamid,
        "date": str(int(purchase.created_at)),
        "balance_debited_amount": php_money(purchase.price),
        "custom_id": purchase.custom_id,
        "settlement": str(int(snap.hold_until)) if snap.hold_until is not None else None,
    }
    if snap.trade_offer_id:
        result["trade_offer_id"] = snap.trade_offer_id
    if purchase.reserved_until is not None:
        result["reserved_until"] = str(int(purchase.reserved_until))
    return result


def withdraw_buy(state: SandboxState, params: Params) -> dict[str, Any]:
    order = BuyInput.from_params(params)
    try:
        order.check()
        partner, token = check_trade_url(params.get("partner"), params.get("token"))
        return bought(buy(state, SKINIFY, order, partner, token))
    except BuyError as exc:
        raise SkinifyError(SKINIFY_BUY_MESSAGES[exc.reason]) from None


def withdraw_info(state: SandboxState, params: Params) -> dict[str, Any]:
    purchase_ids, custom_ids = as_list(params.get("purchase_ids")), as_list(params.get("custom_ids"))
    if not purchase_ids and not custom_ids:
        raise SkinifyError("missing_one_of_required_params")
    with state.lock:
        now = state.now()
        found = [state.store.by_buy(SKINIFY, text(x)) for x in purchase_ids]
        found += [state.store.by_custom(SKINIFY, text(x)) for x in custom_ids]
        return {"items": [info(p, now) for p in found if p is not None]}


def withdraw_history(state: SandboxState, params: Params) -> dict[str, Any]:
    start, end = text(params.get("start_date")), text(params.get("end_date"))
    if not (start.isdigit() and end.isdigit()):
        raise SkinifyError("missing_start_or_end_date")
    offset = int(text(params.get("start_from"))) if text(params.get("start_from")).isdigit() else 0
    statuses = {text(x) for x in as_list(params.get("purchase_statuses"))}
    with state.lock:
        now = state.now()
        rows = [info(p, now) for p in state.store.in_range(SKINIFY, int(start), int(end))]
    if statuses:
        rows = [row for row in rows if row["purchase_status"] in statuses]
    page = rows[offset : offset + HISTORY_PAGE_SIZE]
    next_from = offset + len(page)
    return {
        "items": page,
        "total_count": str(len(rows)),
        "has_more": next_from < len(rows),
        "start_from": next_from,
    }


def update_trade_token(state: SandboxState, params: Params) -> dict[str, Any]:
    try:
        partner, token = check_trade_url(params.get("partner"), params.get("token"))
    except BuyError as exc:
        message = "invalid_trade_token" if exc.reason == "invalid_token" else "missing_partner_or_token"
        raise SkinifyError(message) from None
    with state.lock:
        for purchase in state.store.ordered[SKINIFY]:
            if purchase.partner == partner:
                purchase.token = token
    return {}


def cancel_reservation(state: SandboxState, params: Params) -> dict[str, Any]:
    purchase_id, custom_id = text(params.get("purchase_id")), text(params.get("custom_id"))
    if not purchase_id and not custom_id:
        raise SkinifyError("missing_one_of_required_params")
    with state.lock:
        store, now = state.store, state.now()
        purchase = store.by_buy(SKINIFY, purchase_id) if purchase_id else store.by_custom(SKINIFY, custom_id)
        if purchase is None or purchase.snapshot(now).status != "reserved":
            raise SkinifyError("reservation_not_found")
        purchase.force(now, "reservation_canceled", None, 0)
        state.balances[SKINIFY] += purchase.price
    return {
        "skin": {"id": str(purchase.listing.id)},
        "purchase_id": purchase.buy_id,
        "purchase_status": "reservation_canceled",
    }
