"""SkinsBack answers -> result dataclasses and typed errors, exactly as tolerant as the vendor pages
require (see shared/api/skinsback.md section 8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ..base import (
    AuthError,
    Balance,
    BatchBuyResult,
    BuyRequest,
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
    ServerStatus,
    Unavailable,
    UnavailableItem,
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
    mapping,
    money,
    text,
    timestamp,
    unreadable_entry,
)

CODE = "skinsback"

#: what to check for each credential error; never quotes the secret itself
AUTH_HINTS: dict[int, str] = {
    -2: "the Client ID is unknown to SkinsBack: check SKINSBACK_CLIENT_ID",
    -3: "the request signature was rejected: check SKINSBACK_CLIENT_SECRET, or switch SKINSBACK_AUTH "
    "between 'signature' and 'headers'",
    -4: "the SkinsBack project is not active: activate it in the merchant panel",
    -8: "this server's IP address is not allowed: register it in the SkinsBack merchant panel",
    -10: "the client secret was rejected: check SKINSBACK_CLIENT_SECRET (sent as X-CLIENT-SECRET in "
    "SKINSBACK_AUTH=headers mode)",
}
UNAVAILABLE_CODES = {
    -6: False,
    -9: True,
}  # code -> worth retrying soon (maintenance ends, a disabled market not)


def raise_for_error(body: dict[str, Any], method: str) -> None:
    """Raise the typed error a `status: error` body stands for; return quietly on success."""
    status = body.get("status")
    if status == "success" or (status is None and "error_code" not in body):
        return
    if status not in ("error", FAIL_STATUS):
        raise InvalidResponse(f"unexpected status {str(status)[:40]!r}", provider=CODE)
    code = count(body.get("error_code"))
    message = str(body.get("error_message") or "unknown_error")
    err = error_for(code, message, method)
    raise failed_status(err) if status == FAIL_STATUS else err


def error_for(code: int | None, message: str, method: str) -> ProviderError:
    if code in AUTH_HINTS:
        return AuthError(f"{message} - {AUTH_HINTS[code]}", provider=CODE, code=code)
    if code == -7:
        err: ProviderError = RateLimited(message, provider=CODE, code=code)
        err.retryable = True
        return err
    if code in UNAVAILABLE_CODES:
        err = Unavailable(message, provider=CODE, code=code)
        err.retryable = UNAVAILABLE_CODES[code]
        return err
    if method == "market_getinfo" and code == 2:
        return NotFound(message, provider=CODE, code=code)
    # -1 / -5 (our request was malformed) and every method code (buy 1-10, inventory 1-10, search 1-2)
    return Rejected(message, provider=CODE, code=code)


HOLD_FIELDS = ("in_hold", "in_hold_until")


def purchase(data: Any) -> PurchaseInfo:
    """One purchase of market_buy, market_batch_buy, market_getinfo, market_history or an event.

    Lenient per field: a value that cannot be read is left out and named in `unreadable`."""
    if not isinstance(data, dict):
        return unreadable_entry(data, CODE)
    read = Lenient()
    item = read.mapping("item", data.get("item"))
    return PurchaseInfo(
        provider=CODE,
        status=text(data.get("offer_status")) or "",
        buy_id=ident(data.get("buy_id")),
        custom_id=ident(data.get("custom_id")),
        item_id=ident(item.get("id")),
        item_name=text(item.get("name")) or "",
        price=read.read("item.price", money, item.get("price")),
        balance_debited=read.read("balance_debited_sum", money, data.get("balance_debited_sum")),
        steam_id=ident(data.get("steamid")),
        trade_offer_id=ident(data.get("tradeofferid")),
        in_hold=flag(data.get("in_hold")),
        hold_until=read.read("in_hold_until", timestamp, data.get("in_hold_until")),
        error_reason=text(data.get("error_reason")),
        date=read.read("date", timestamp, data.get("date")),
        raw=data,
        hold_known=any(name in data for name in HOLD_FIELDS),
        unreadable=tuple(read.problems),
    )


def bought(data: dict[str, Any]) -> PurchaseInfo:
    info = purchase(data)
    if not info.buy_id:
        raise InvalidResponse("the buy answer has no buy_id", provider=CODE)
    return info


def purchases(body: dict[str, Any]) -> list[PurchaseInfo]:
    """Both getinfo forms: `items[]` (buy_ids / custom_ids) or the fields at top level (buy_id)."""
    if "items" in body:
        return [purchase(entry) for _, entry in lenient_entries(body["items"])]
    if "buy_id" in body or "item" in body:
        return [purchase(body)]
    raise InvalidResponse("the getinfo answer has neither items nor buy_id", provider=CODE)


def batch(body: dict[str, Any], requested: Sequence[BuyRequest]) -> BatchBuyResult:
    """`purchased`/`unavailable` as objects keyed by skin id (as printed) or as lists (as described)."""
    custom_ids = _custom_ids_by_item(requested)
    bought_items = []
    for key, entry in lenient_entries(body.get("purchased")):
        info = purchase(entry)
        if info.item_id is None and key is not None:
            info = _with_item_id(info, key)
        if not info.custom_id and info.item_id in custom_ids:  # the vendor's fields omit the echo
            info = replace(info, custom_id=custom_ids[info.item_id])
        bought_items.append(info)
    missing = []
    for key, entry in entries(body.get("unavailable")):
        item_id = key if key is not None else ident(entry.get("id") or entry.get("item_id")) or ""
        missing.append(
            UnavailableItem(
                item_id=item_id,
                code=count(entry.get("error_code")),
                message=str(entry.get("error_message") or ""),
                custom_id=ident(entry.get("custom_id")) or custom_ids.get(item_id),
            )
        )
    return BatchBuyResult(purchased=bought_items, unavailable=missing)


def _custom_ids_by_item(requested: Sequence[BuyRequest]) -> dict[str, str]:
    """item id -> custom_id, only for ids that occur once in the request (otherwise it is ambiguous)."""
    seen: dict[str, list[str]] = {}
    for request in requested:
        if request.item_id:
            seen.setdefault(str(request.item_id), []).append(request.custom_id)
    return {item_id: ids[0] for item_id, ids in seen.items() if len(ids) == 1}


def _with_item_id(info: PurchaseInfo, item_id: str) -> PurchaseInfo:
    return replace(info, item_id=item_id)


def history(body: dict[str, Any]) -> HistoryPage:
    cursor = ident(body.get("start_from"))
    return HistoryPage(
        items=[purchase(entry) for _, entry in lenient_entries(body.get("items"))],
        has_more=flag(body.get("has_more")),
        cursor=cursor,
        total_count=count(body.get("total_count")),
    )


def inventory(body: dict[str, Any]) -> Inventory:
    """The example nests everything under `data`; the field list puts it at the top: accept both."""
    data = body.get("data") if isinstance(body.get("data"), dict) else body
    items = [inventory_item(entry) for _, entry in entries(data.get("items"))]
    return Inventory(items=items, currency_local=str(data.get("currency_local") or ""))


def inventory_item(entry: dict[str, Any]) -> InventoryItem:
    item = mapping(entry.get("item") or {}, "item")
    asset_id = ident(item.get("asset_id") or entry.get("asset_id"))
    if not asset_id:
        raise InvalidResponse("an inventory item has no asset_id", provider=CODE)
    return InventoryItem(
        asset_id=asset_id,
        name=str(entry.get("name") or ""),
        price=money(entry.get("price")),
        price_local=money(entry.get("price_local")),
        multiplied_price_local=money(entry.get("multiplied_price_local")),
        tradable=flag(item.get("tradable", True)),
        disabled=flag(entry.get("disabled")),
        app_id=ident(item.get("app_id")) or "",
        icon_url=str(item.get("icon_url") or ""),
        class_id=ident(item.get("class_id")) or "",
        stickers=list(entry.get("stickers") or []),
        raw=entry,
    )


def catalog_entry(entry: dict[str, Any], game: str) -> CatalogEntry:
    """One item of the price list (called 100,000 times an import): the shapes the list prints (a number as
    a Decimal or an int, ids as ints or strings) read directly, anything else through the tolerant readers."""
    price = entry.get("price")
    if not (type(price) is Decimal and price.is_finite()):  # ijson gives fractions as finite Decimals
        price = money(price)
        if price is None:
            raise InvalidResponse("a price-list item has no price", provider=CODE)
    quantity = entry.get("count")
    return CatalogEntry(
        provider=CODE,
        name=str(entry.get("name") or ""),
        price=price,
        item_id=_ident(entry.get("id")),
        game=game,
        classid=_ident(entry.get("classid")) or "",
        instanceid=_ident(entry.get("instanceid")) or "",
        count=None if quantity is None else count(quantity),
        raw=entry,
    )


def _ident(value: Any) -> str | None:
    """`ident`, with its two common cases first."""
    if type(value) is str and value:
        return value.strip()
    if type(value) is int:
        return str(value)
    return ident(value)


def balance(body: dict[str, Any]) -> Balance:
    """`balance` is in the project's own currency (RUB for a rouble project); the USD figure is
    `balance_in_currencies.usd`. Without that object neither the currency nor the USD figure is known."""
    amount = money(body.get("balance"))
    if amount is None:
        raise InvalidResponse("the balance answer has no balance", provider=CODE)
    figures = _in_currencies(body.get("balance_in_currencies"))
    extra = {key: value for key, value in body.items() if key not in ("status", "balance")}
    return Balance(
        amount=amount, currency=_own_currency(amount, figures), usd=figures.get("usd"), extra=extra
    )


def _in_currencies(value: Any) -> dict[str, Decimal]:
    """`{"usd": "12.95", "rub": "1000.00"}` as Decimals by lower-case code; unreadable figures left out."""
    if not isinstance(value, dict):
        return {}
    figures = {}
    for code, figure in value.items():
        try:
            amount = money(figure)
        except InvalidResponse:
            continue
        if amount is not None:
            figures[str(code).strip().lower()] = amount
    return figures


def _own_currency(amount: Decimal, figures: dict[str, Decimal]) -> str:
    """The currency whose figure is `balance` itself: USD when that matches (a USD project, or an empty
    balance), else the one other match; "" when none or several match (not known)."""
    if figures.get("usd") == amount:
        return "usd"
    matches = [code for code, figure in figures.items() if figure == amount]
    return matches[0] if len(matches) == 1 else ""


def server_status(body: dict[str, Any]) -> ServerStatus:
    return ServerStatus(available=flag(body.get("available")), reason=body.get("reason") or None)
