"""Skinify under /skinify/api/: Token auth, routing, errors, and the catalog/inventory/balance endpoints."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from . import skinify_withdraw as withdraw
from .buying import valid_token
from .catalog import Catalog, canonical_game
from .config import SKINIFY
from .errors import SKINIFY_FAULTS, SkinifyError
from .fault_answers import apply_fault
from .inventory import RATES, SKINIFY_SPECIAL, skinify_items
from .money import money2
from .phpform import text, truthy
from .state import SandboxState
from .web import Request, Response, json_response, stream_json_array

Params = dict[str, Any]
Handler = Callable[[SandboxState, Params], "dict[str, Any] | Response"]
INVENTORY_SPECIAL = {**SKINIFY_SPECIAL, "0009": "request_timeout"}


def error(message: str, status: int = 200) -> Response:
    return json_response({"status": "error", "error_message": message}, status)


def fault_error(suffix: str) -> Response:
    status, message = SKINIFY_FAULTS.get(suffix, (200, suffix))
    return error(message, status)


def handle(state: SandboxState, req: Request, subpath: str) -> Response:
    endpoint = subpath.strip("/")
    route = ROUTES.get(endpoint)
    read = route is not None and "GET" in route[0]
    token = req.header("token") or (text(req.query.get("token")) if read else "")
    if not token or not hmac.compare_digest(token.encode(), state.skinify_token.encode()):
        state.count_request(SKINIFY, endpoint)
        return error("invalid_token", 401)
    if not state.allow_request(SKINIFY, token, endpoint):
        return error("request_limit_exceeded", 429)
    if route is None:
        return error("not_found", 404)
    verbs, handler = route
    if req.method not in verbs:
        return error("method_not_allowed", 405)
    query = {k: v for k, v in req.query.items() if k != "token"}
    params = query if req.method == "GET" else ({**query, **req.body} if read else req.body)
    return apply_fault(state.pick_fault(endpoint, SKINIFY), lambda: run(handler, state, params), fault_error)


def run(handler: Handler, state: SandboxState, params: Params) -> Response:
    try:
        result = handler(state, params)
    except SkinifyError as exc:
        return error(exc.message, exc.status)
    return result if isinstance(result, Response) else json_response({"status": "success", **result})


# --- withdraw/prices, withdraw/price -----------------------------------------------------------------------
def withdraw_prices(state: SandboxState, params: Params) -> Response:
    game = canonical_game(SKINIFY, params.get("game"))
    if game is None:
        raise SkinifyError("invalid_game")
    full, extended = truthy(params.get("full_list")), truthy(params.get("extended"))
    rows = _full_rows(state.catalog, game, extended) if full else _grouped_rows(state.catalog, game)
    return Response(200, stream_json_array(b'{"status":"success","skins":[', rows, b"]}"))


def _full_rows(catalog: Catalog, game: str, extended: bool) -> Iterator[str]:
    for x in catalog.iter_on_sale(SKINIFY, game):
        props = f'"classid":"{x.entry.classid}"' + (
            f',"instanceid":"{x.entry.instanceid}"' if extended else ""
        )
        price = format(x.price, "f")
        yield f'{{"id":"{x.id}","name":{x.entry.json_name},"price":{price},"properties":{{{props}}}}}'


def _grouped_rows(catalog: Catalog, game: str) -> Iterator[str]:
    for entry, count in catalog.grouped(SKINIFY, game):
        price = format(Decimal(entry.cents) / 100, ".2f")
        yield (
            f'{{"name":{entry.json_name},"price":{price},"count":{count},'
            f'"properties":{{"classid":"{entry.classid}"}}}}'
        )


def withdraw_price(state: SandboxState, params: Params) -> dict[str, Any]:
    item_id = text(params.get("id"))
    if not item_id:
        raise SkinifyError("missing_id")
    listing = state.catalog.by_id(SKINIFY, item_id)
    if listing is None:
        raise SkinifyError("skin_not_found")
    properties: dict[str, Any] = {"classid": listing.entry.classid}
    if truthy(params.get("extended")):
        properties.update(
            instanceid=listing.entry.instanceid,
            assetid=str(40_000_000_000 + listing.id),
            steamid="76561199000000001",
            link="",
            floatvalue=None,
        )
    skin = {
        "name": listing.name,
        "price": float(listing.price),
        "count": int(listing.available),
        "properties": properties,
    }
    return {"skin": skin}


# --- steam-inventory, project-balance ----------------------------------------------------------------------
def steam_inventory(state: SandboxState, params: Params) -> Response:
    """Skinify's own envelope: {"inventory": [...], "success": true, "currency": "usd"}.

    Errors use the same envelope: {"success": false, "error": "private_inventory"} (HTTP 200).
    """
    problem, game, steam_id, currency = _inventory_problem(params)
    if problem:
        return json_response({"success": False, "error": problem})
    with state.lock:
        size = state.inventory_sizes.get(steam_id)
    items = skinify_items(
        steam_id, str(game), size, Decimal(RATES[currency]), truthy(params.get("show_disabled"))
    )
    return json_response({"inventory": items, "success": True, "currency": currency})


def _inventory_problem(params: Params) -> tuple[str | None, str | None, str, str]:
    game = canonical_game(SKINIFY, params.get("game"))
    kind = {"csgo": "cs2"}.get(game or "", game)
    steam_id, token = text(params.get("steam_id")), text(params.get("trade_token"))
    currency = text(params.get("currency")).lower() or "usd"
    checks = [
        (game is None, "invalid_game"),
        (currency not in RATES, "invalid_currency"),
        (not steam_id, "steam_id_missing"),
        (not token, "trade_token_missing"),
        (not (steam_id.isdigit() and len(steam_id) == 17) or not valid_token(token), "invalid_tradeurl"),
    ]
    problem = next((message for failed, message in checks if failed), None)
    return problem or INVENTORY_SPECIAL.get(steam_id[-4:]), kind, steam_id, currency


def project_balance(state: SandboxState, params: Params) -> dict[str, Any]:
    """Undocumented by the vendor; the sandbox's assumption: {"status":"success","balance":"9991.72"}."""
    return {"balance": money2(state.balance(SKINIFY))}


GET, POST, EITHER = frozenset({"GET"}), frozenset({"POST"}), frozenset({"GET", "POST"})
#: endpoint: (the verbs it answers, handler). The vendor pages say GET for the reads; a public production
#: client POSTs withdraw/info, withdraw/prices and project-balance (JSON body, the same fields in the query),
#: and the live API evidently answers it, so those take both, reading the query and then the body.
ROUTES: dict[str, tuple[frozenset[str], Handler]] = {
    "withdraw/buy": (POST, withdraw.withdraw_buy),
    "withdraw/info": (EITHER, withdraw.withdraw_info),
    "withdraw/history": (GET, withdraw.withdraw_history),
    "withdraw/prices": (EITHER, withdraw_prices),
    "withdraw/price": (GET, withdraw_price),
    "withdraw/update-trade-token": (POST, withdraw.update_trade_token),
    "withdraw/cancel-reservation": (POST, withdraw.cancel_reservation),
    "steam-inventory": (POST, steam_inventory),
    "project-balance": (EITHER, project_balance),
}
