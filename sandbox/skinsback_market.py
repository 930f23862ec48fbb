"""SkinsBack purchase methods: market_buy, market_batch_buy, market_getinfo, market_history."""

from __future__ import annotations

from typing import Any

from .buying import BuyError, BuyInput, buy, check_trade_url
from .clock import utc_datetime
from .config import HISTORY_PAGE_SIZE, SKINSBACK
from .errors import SB_BUY_CODES, SB_MESSAGES, SkinsBackError
from .money import number, php_money
from .phpform import as_list, text
from .purchases import Purchase
from .state import SandboxState

Params = dict[str, Any]


def _refused(exc: BuyError) -> SkinsBackError:
    return SkinsBackError(SB_BUY_CODES[exc.reason])


def bought(purchase: Purchase) -> dict[str, Any]:
    """A purchase as market_buy / market_batch_buy answer it: money and buy_id as numbers."""
    listing = purchase.listing
    item = {
        "id": str(listing.id),
        "name": listing.name,
        "price": number(purchase.price),
        "classid": listing.entry.classid,
        "instanceid": listing.entry.instanceid,
    }
    result = {
        "item": item,
        "buy_id": purchase.buy_id,
        "offer_status": purchase.steps[0].status,
        "steamid": purchase.steamid,
        "date": str(int(purchase.created_at)),
        "balance_debited_sum": number(purchase.price),
    }
    if purchase.custom_id is not None:
        result["custom_id"] = purchase.custom_id
    return result


def info(purchase: Purchase, now: float) -> dict[str, Any]:
    """A purchase as market_getinfo / market_history show it: values as strings."""
    snap = purchase.snapshot(now)
    listing = purchase.listing
    item = {
        "id": str(listing.id),
        "name": listing.name,
        "price": php_money(purchase.price),
        "classid": listing.entry.classid,
    }
    result: dict[str, Any] = {
        "item": item,
        "buy_id": str(purchase.buy_id),
        "offer_status": snap.status,
        "error_reason": snap.error_reason,
        "in_hold": snap.in_hold,
        "steamid": purchase.steamid,
        "date": str(int(purchase.created_at)),
        "balance_debited_sum": php_money(purchase.price),
    }
    if snap.hold_until is not None:
        result["in_hold_until"] = utc_datetime(snap.hold_until)
    if snap.trade_offer_id:
        result["tradeofferid"] = snap.trade_offer_id
    if purchase.custom_id is not None:
        result["custom_id"] = purchase.custom_id
    return result


def market_buy(state: SandboxState, params: Params) -> dict[str, Any]:
    order = BuyInput.from_params(params)
    try:
        order.check()
        partner, token = check_trade_url(params.get("partner"), params.get("token"))
        return bought(buy(state, SKINSBACK, order, partner, token))
    except BuyError as exc:
        raise _refused(exc) from None


def market_batch_buy(state: SandboxState, params: Params) -> dict[str, Any]:
    try:
        partner, token = check_trade_url(params.get("partner"), params.get("token"))
    except BuyError as exc:
        raise SkinsBackError(9 if exc.reason in ("invalid_token", "missing_token") else 8) from None
    items = [x for x in as_list(params.get("items")) if isinstance(x, dict)]
    if not items:
        raise SkinsBackError(1, "missing_items")
    purchased: dict[str, Any] = {}
    unavailable: dict[str, Any] = {}
    taken: set[str] = set()
    for raw in items:
        order = BuyInput.from_params({k: v for k, v in raw.items() if k in ("id", "max_price", "custom_id")})
        try:
            if not order.item_id:
                raise BuyError("missing_skin")
            purchase = buy(state, SKINSBACK, order, partner, token, taken)
        except BuyError as exc:
            code = SB_BUY_CODES[exc.reason]
            unavailable[order.item_id] = {"error_code": code, "error_message": SB_MESSAGES[code]}
            continue
        taken.add(order.item_id)
        purchased[order.item_id] = bought(purchase)
    # PHP's json_encode writes an empty array as [], a filled one keyed by id as an object.
    return {"purchased": purchased or [], "unavailable": unavailable or []}


def market_getinfo(state: SandboxState, params: Params) -> dict[str, Any]:
    buy_ids, custom_ids = as_list(params.get("buy_ids")), as_list(params.get("custom_ids"))
    single = text(params.get("buy_id"))
    if not (single or buy_ids or custom_ids):
        raise SkinsBackError(1, "missing_one_of_required_params")
    with state.lock:
        now = state.now()
        if single and not (buy_ids or custom_ids):
            purchase = state.store.by_buy(SKINSBACK, single)
            if purchase is None:
                raise SkinsBackError(2, "offer_not_found")
            return info(purchase, now)
        found = [state.store.by_buy(SKINSBACK, text(x)) for x in buy_ids]
        found += [state.store.by_custom(SKINSBACK, text(x)) for x in custom_ids]
        return {"items": [info(p, now) for p in found if p is not None]}


def market_history(state: SandboxState, params: Params) -> dict[str, Any]:
    start, end, offset = (
        _int(params.get("starting"), 0),
        _int(params.get("ending"), None),
        _int(params.get("start_from"), 0),
    )
    with state.lock:
        now = state.now()
        matching = state.store.in_range(SKINSBACK, start, end if end is not None else now)
        page = matching[max(offset, 0) : max(offset, 0) + HISTORY_PAGE_SIZE]
        items = [info(p, now) for p in page]
    next_from = max(offset, 0) + len(page)
    return {
        "total_count": len(matching),
        "has_more": next_from < len(matching),
        "start_from": next_from,
        "items": items,
    }


def _int(value: Any, default: int | None) -> int | None:
    raw = text(value)
    try:
        return int(float(raw)) if raw else default
    except ValueError:
        return default
