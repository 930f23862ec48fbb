"""Skinify answers -> result dataclasses and typed errors (see shared/api/skinify.md section 7).

Skinify has no numeric error codes: errors are recognised by `error_message`, which becomes the
error's `code` so callers can match on it like on SkinsBack's numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..base import (
    AuthError,
    Balance,
    CatalogEntry,
    HistoryPage,
    InvalidResponse,
    Inventory,
    InventoryItem,
    NotFound,
    ProviderError,
    PurchaseInfo,
    RateLimited,
    Rejected,
    Unavailable,
)
from ..parsing import (
    FAIL_STATUS,
    Lenient,
    count,
    entries,
    failed_status,
    flag,
    ident,
    lenient_entries,
    money,
    text,
    timestamp,
    unreadable_entry,
)

CODE = "skinify"
AUTH_HINT = (
    "check SKINIFY_TOKEN (the Merchant API access token from the Skinify project settings); on a buy, "
    "an invalid token may also mean the user's trade token"
)
# The missing/invalid API-token message is not documented; these are the plausible spellings.
AUTH_MESSAGES = frozenset(
    {"missing_token", "invalid_token", "token_missing", "token_invalid", "invalid_api_token", "unauthorized"}
)
RATE_LIMIT_MESSAGE = "request_limit_exceeded"
# Not documented for Skinify but SkinsBack-like words for "nothing happened, try later": value = retry soon
UNAVAILABLE_MESSAGES = {"request_timeout": True, "under_maintenance": True, "market_disabled": False}
#: withdraw/price's answer for an id it has no listing of (undocumented; the sandbox's word): NotFound,
#: which callers may read as "not on sale", unlike any other refusal
NOT_FOUND_MESSAGES = frozenset({"skin_not_found"})
CENT = Decimal("0.01")
# Messages with which a buy was positively refused (nothing bought): the documented ones, the SkinsBack
# words Skinify shares, auth and rate limit. `request_timeout` and `under_maintenance` are not here: a
# buy answered that way may still have been carried out, so it is looked up by custom_id.
BUY_REFUSALS: frozenset[int | str] = frozenset(
    {
        "missing_skin_parameters",
        "name_too_short",
        "missing_partner_or_token",
        "invalid_trade_token",
        "invalid_partner",
        "invalid_partner_value",
        "invalid_token_value",
        "insufficient_funds",
        "skin_unavailable",
        "skins_not_found_at_specified_price",
        "too_many_failed_attempts_for_user",
        "market_disabled",
        RATE_LIMIT_MESSAGE,
        401,
        403,
        *AUTH_MESSAGES,
    }
)


def raise_for_error(body: dict[str, Any], http_status: int = 200) -> None:
    """`{"status":"success"}` or steam-inventory's `{"success":true}` pass; anything else raises."""
    if http_status in (401, 403):
        raise AuthError(f"HTTP {http_status} - {AUTH_HINT}", provider=CODE, code=http_status)
    status, success = body.get("status"), body.get("success")
    if status == "success" or (status is None and success is True):
        return
    if status is None and success is None and not body.get("error_message"):
        return  # no envelope at all (a bare list answer): the parser decides whether it makes sense
    if status not in ("error", FAIL_STATUS, None) and body.get("success") is not False:
        raise InvalidResponse(f"unexpected status {str(status)[:40]!r}", provider=CODE)
    message = str(body.get("error_message") or body.get("message") or body.get("error") or "unknown_error")
    err = error_for(message)
    raise failed_status(err) if status == FAIL_STATUS else err


def error_for(message: str) -> ProviderError:
    if message == RATE_LIMIT_MESSAGE:
        err: ProviderError = RateLimited(message, provider=CODE, code=message)
        err.retryable = True
        return err
    if message in AUTH_MESSAGES:
        return AuthError(f"{message} - {AUTH_HINT}", provider=CODE, code=message)
    if message in UNAVAILABLE_MESSAGES:
        err = Unavailable(message, provider=CODE, code=message)
        err.retryable = UNAVAILABLE_MESSAGES[message]
        return err
    if message in NOT_FOUND_MESSAGES:
        return NotFound(message, provider=CODE, code=message)
    # everything else verbatim, typos included (`unavaliable_inventory`): callers match on the code
    return Rejected(message, provider=CODE, code=message)


def purchase(data: Any, now: datetime | None = None) -> PurchaseInfo:
    """withdraw/buy, withdraw/info and withdraw/history items. `settlement` in the future = in hold.

    Lenient per field: a value that cannot be read is left out and named in `unreadable`."""
    if not isinstance(data, dict):
        return unreadable_entry(data, CODE)
    read = Lenient()
    skin = read.mapping("skin", data.get("skin"))
    settlement = read.read("settlement", timestamp, data.get("settlement"))
    debited = data.get("balance_debited_amount")
    if debited is None:
        debited = data.get("balance_debited_sum")  # the WebSocket event's name for the same amount
    return PurchaseInfo(
        provider=CODE,
        status=text(data.get("purchase_status")) or "",
        buy_id=ident(data.get("purchase_id")),
        custom_id=ident(data.get("custom_id")),
        item_id=ident(skin.get("id")),
        item_name=text(skin.get("name")) or "",
        price=read.read("skin.price", money, skin.get("price")),
        balance_debited=read.read("balance_debited_amount", money, debited),
        steam_id=ident(data.get("steam_id")),
        trade_offer_id=ident(data.get("trade_offer_id")),
        in_hold=settlement is not None and settlement > (now or datetime.now(UTC)),
        hold_until=settlement,
        reserved_until=read.read("reserved_until", timestamp, data.get("reserved_until")),
        error_reason=text(data.get("error_reason")),
        date=read.read("date", timestamp, data.get("date")),
        raw=data,
        unreadable=tuple(read.problems),
    )


def bought(data: dict[str, Any]) -> PurchaseInfo:
    info = purchase(data)
    if not info.buy_id:
        raise InvalidResponse("the buy answer has no purchase_id", provider=CODE)
    return info


def purchases(body: dict[str, Any]) -> list[PurchaseInfo]:
    return [purchase(entry) for _, entry in lenient_entries(body.get("items"))]


def history(body: dict[str, Any]) -> HistoryPage:
    return HistoryPage(
        items=purchases(body),
        has_more=flag(body.get("has_more")),
        cursor=ident(body.get("start_from")),
        total_count=count(body.get("total_count")),
    )


def catalog_entry(entry: dict[str, Any], game: str, item_id: str | None = None) -> CatalogEntry:
    price = money(entry.get("price"))
    if price is None:
        raise InvalidResponse("a price-list skin has no price", provider=CODE)
    properties = entry.get("properties") if isinstance(entry.get("properties"), dict) else {}
    return CatalogEntry(
        provider=CODE,
        name=str(entry.get("name") or ""),
        price=price,
        item_id=ident(entry.get("id")) or item_id,
        game=game,
        classid=ident(properties.get("classid")) or "",
        instanceid=ident(properties.get("instanceid")) or "",
        count=count(entry.get("count")),
        raw=entry,
    )


def balance(body: dict[str, Any]) -> Balance:
    amount = money(body.get("balance", body.get("balance_value")))
    if amount is None:
        raise InvalidResponse("the balance answer has no balance", provider=CODE)
    # Skinify quotes prices and debits in USD and names no other currency: its balance is USD
    extra = {k: v for k, v in body.items() if k != "balance"}
    return Balance(amount=amount, currency="usd", usd=amount, extra=extra)


def inventory(
    body: dict[str, Any],
    *,
    multiplier: Decimal | None = None,
    custom_currency: str | None = None,
    rate: Decimal | None = None,
) -> Inventory:
    """steam-inventory's own envelope. Skinify prices in one currency and has no multiplier or custom
    currency, so those are applied here the way SkinsBack defines them (price x rate, x multiplier)."""
    currency = str(body.get("currency") or "usd").lower()
    items = []
    for _, entry in entries(body.get("inventory")):
        items.append(_inventory_item(entry, currency, multiplier, rate if custom_currency else None))
    return Inventory(items=items, currency_local=custom_currency or currency)


def _inventory_item(
    entry: dict[str, Any], currency: str, multiplier: Decimal | None, rate: Decimal | None
) -> InventoryItem:
    asset_id = ident(entry.get("id") or entry.get("assetid"))
    if not asset_id:
        raise InvalidResponse("an inventory item has no id", provider=CODE)
    price = money(entry.get("price"))
    local = _cents(price * rate) if price is not None and rate is not None else price
    return InventoryItem(
        asset_id=asset_id,
        name=str(entry.get("name") or ""),
        price=price if currency == "usd" else None,
        price_local=local,
        multiplied_price_local=_cents(local * multiplier) if local is not None and multiplier else local,
        tradable=flag(entry.get("tradable", True)),
        disabled=flag(entry.get("disabled")),
        app_id=ident(entry.get("gid")) or "",
        icon_url=str(entry.get("img") or ""),
        class_id=ident(entry.get("classid")) or "",
        stickers=list(entry.get("stickers") or []),
        raw=entry,
    )


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
