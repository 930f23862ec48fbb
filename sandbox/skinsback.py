"""SkinsBack at POST /skinsback/api.php: auth, dispatch, errors, and the catalog/account methods."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from . import skinsback_market
from .buying import valid_token
from .catalog import Catalog, canonical_game
from .config import GAMES, SKINSBACK
from .errors import SB_MESSAGES, SkinsBackError
from .fault_answers import apply_fault
from .inventory import EXAMPLE_STEAM_ID, RATES, SKINSBACK_SPECIAL, example_payload, skinsback_items
from .money import money2
from .phpform import as_list, text, truthy
from .signing import verify_skinsback_sign
from .state import SandboxState
from .web import Request, Response, json_response, stream_json_array

Params = dict[str, Any]
Handler = Callable[[SandboxState, Params], "dict[str, Any] | Response"]
STEAM_ID_PREFIX = "7656119"


def error(code: int, message: str | None = None) -> Response:
    return json_response(
        {"status": "error", "error_code": code, "error_message": message or SB_MESSAGES[code]}
    )


def fault_error(suffix: str) -> Response:
    try:
        code = int(suffix)
    except ValueError:
        return error(0, suffix)
    return error(code, SB_MESSAGES.get(code, "error"))


def handle(state: SandboxState, req: Request) -> Response:
    params = req.body
    method = text(params.get("method")) or "(none)"
    if req.method != "POST":
        state.count_request(SKINSBACK, method)
        return error(-1)
    code = authenticate(state, req, params)
    if code:
        state.count_request(SKINSBACK, method)
        return error(code)
    if not state.allow_request(SKINSBACK, state.client_id, method):
        return error(-7)
    handler = METHODS.get(method)
    if handler is None:
        return error(-5)
    return apply_fault(state.pick_fault(method, SKINSBACK), lambda: run(handler, state, params), fault_error)


def authenticate(state: SandboxState, req: Request, params: Params) -> int:
    """0, or the error code: headers X-CLIENT-ID/X-CLIENT-SECRET, else body shopid + sign."""
    header_id = req.header("x-client-id")
    if header_id is not None:
        if header_id != state.client_id:
            return -2
        secret = req.header("x-client-secret") or ""
        return 0 if hmac.compare_digest(secret.encode(), state.client_secret.encode()) else -10
    if text(params.get("shopid")) != state.client_id:
        return -2
    return 0 if verify_skinsback_sign(params, state.client_secret) else -3


def run(handler: Handler, state: SandboxState, params: Params) -> Response:
    try:
        result = handler(state, params)
    except SkinsBackError as exc:
        return error(exc.code, exc.message)
    return result if isinstance(result, Response) else json_response({"status": "success", **result})


# --- market_pricelist / market_search ---------------------------------------------------------------------
def market_pricelist(state: SandboxState, params: Params) -> Response:
    game = canonical_game(SKINSBACK, params.get("game"))
    if game is None:
        raise SkinsBackError(1, "invalid_game")
    head = f'{{"status":"success","last_update":{int(state.now())},"items":['.encode()
    rows = (
        _full_rows(state.catalog, game) if truthy(params.get("full")) else _grouped_rows(state.catalog, game)
    )
    return Response(200, stream_json_array(head, rows, b"]}"))


def _full_rows(catalog: Catalog, game: str) -> Iterator[str]:
    for x in catalog.iter_on_sale(SKINSBACK, game):
        price = format(x.price, "f")
        yield (
            f'{{"id":{x.id},"name":{x.entry.json_name},"price":{price},"classid":"{x.entry.classid}",'
            f'"instanceid":"{x.entry.instanceid}"}}'
        )


def _grouped_rows(catalog: Catalog, game: str) -> Iterator[str]:
    for entry, count in catalog.grouped(SKINSBACK, game):
        price = format(Decimal(entry.cents) / 100, ".2f")
        yield f'{{"name":{entry.json_name},"price":{price},"classid":"{entry.classid}","count":{count}}}'


def market_search(state: SandboxState, params: Params) -> dict[str, Any]:
    wanted = [text(x) for x in as_list(params.get("names"))] or (
        [text(params.get("name"))] if text(params.get("name")) else []
    )
    if not wanted:
        raise SkinsBackError(1, "name_or_names_required")
    if any(len(name) < 3 for name in wanted):
        raise SkinsBackError(2, "name_min_length_3")
    raw_game = text(params.get("game"))
    games = [canonical_game(SKINSBACK, raw_game)] if raw_game else list(GAMES[SKINSBACK])
    if None in games:
        raise SkinsBackError(3, "invalid_game")
    found = [x for name in wanted for game in games for x in state.catalog.search(SKINSBACK, str(game), name)]
    items = [
        {"id": str(x.id), "name": x.name, "price": format(x.price, "f"), "classid": x.entry.classid}
        for x in found
    ]
    return {"items": items}


# --- balance / status / user_inventory --------------------------------------------------------------------
def balance(state: SandboxState, params: Params) -> dict[str, Any]:
    """The live shape (a recorded 2020 answer): `balance`, `deals_sum` and `withdraw_sum` in the project's
    own currency, each beside its `*_in_currencies` object; the sandbox keeps USD and converts."""
    usd = state.balance(SKINSBACK)
    figures = {"balance": usd, "deals_sum": Decimal("0"), "withdraw_sum": state.initial_balance - usd}
    answer: dict[str, Any] = {}
    for name, amount in figures.items():
        answer[name] = money2(amount * Decimal(RATES[state.project_currency]))
        answer[f"{name}_in_currencies"] = {cur: money2(amount * Decimal(rate)) for cur, rate in RATES.items()}
    return answer


def server_status(state: SandboxState, params: Params) -> dict[str, Any]:
    return {"available": True}


def user_inventory(state: SandboxState, params: Params) -> dict[str, Any] | Response:
    game, steam_id = canonical_game(SKINSBACK, params.get("game")), text(params.get("steam_id"))
    if game is None:
        raise SkinsBackError(1, "invalid_game")
    if not (steam_id.isdigit() and len(steam_id) == 17 and steam_id.startswith(STEAM_ID_PREFIX)):
        raise SkinsBackError(2, "invalid_steam_id")
    if not valid_token(text(params.get("trade_token"))):
        raise SkinsBackError(3, "invalid_trade_token")
    currency, rate, multiplier = _inventory_money(params)
    special = SKINSBACK_SPECIAL.get(steam_id[-4:])
    if special:
        raise SkinsBackError(*special)
    if steam_id == EXAMPLE_STEAM_ID:
        return Response(200, example_payload())
    with state.lock:
        size = state.inventory_sizes.get(steam_id)
    items = skinsback_items(steam_id, game, size, rate, multiplier)
    return {"data": {"items": items, "currency_local": currency}}


def _inventory_money(params: Params) -> tuple[str, Decimal, Decimal]:
    """(currency_local, rate, multiplier) after checking errors 4, 8, 9 and 10."""
    currency = text(params.get("currency")).lower() or "usd"
    if currency not in RATES:
        raise SkinsBackError(4, "invalid_currency")
    multiplier = _decimal_param(params, "custom_multiplier", Decimal(1))
    if multiplier is None or not Decimal("0.5") <= multiplier <= Decimal(2):
        raise SkinsBackError(10, "invalid_custom_multiplier")
    custom, raw_rate = text(params.get("custom_currency")), text(params.get("custom_currency_rate"))
    if not custom and not raw_rate:
        return currency, Decimal(RATES[currency]), multiplier
    if not custom or len(custom) > 4 or not custom.isalpha():
        raise SkinsBackError(8, "invalid_custom_currency")
    rate = _decimal_param(params, "custom_currency_rate", None)
    if rate is None or rate < Decimal("0.1"):
        raise SkinsBackError(9, "invalid_custom_currency_rate")
    return custom.lower(), rate, multiplier


def _decimal_param(params: Params, key: str, default: Decimal | None) -> Decimal | None:
    raw = text(params.get(key))
    if not raw:
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


METHODS: dict[str, Handler] = {
    "market_pricelist": market_pricelist,
    "market_search": market_search,
    "market_buy": skinsback_market.market_buy,
    "market_batch_buy": skinsback_market.market_batch_buy,
    "market_getinfo": skinsback_market.market_getinfo,
    "market_history": skinsback_market.market_history,
    "user_inventory": user_inventory,
    "balance": balance,
    "status": server_status,
}
