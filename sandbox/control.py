"""The control API under /_sandbox/: JSON in and out, no auth, for tests, demos and benchmarks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from . import skinify_withdraw, skinsback_market
from .config import PROVIDERS, SKINIFY, SKINSBACK
from .purchases import Purchase
from .state import SandboxState
from .web import Request, Response, json_response

Body = dict[str, Any]
Action = Callable[[SandboxState, Body], Any]


def handle(state: SandboxState, req: Request, subpath: str) -> Response:
    path = subpath.strip("/")
    if path.startswith("purchases/") and req.method == "GET":
        return purchase_detail(state, unquote(path[len("purchases/") :]), req.query.get("provider"))
    action = ROUTES.get((req.method, path))
    if action is None:
        return json_response({"error": f"no control endpoint {req.method} /_sandbox/{path}"}, 404)
    try:
        return json_response(action(state, req.json()))
    except (ValueError, TypeError, KeyError) as exc:
        return json_response({"error": str(exc) or type(exc).__name__}, 400)


def summary(state: SandboxState, body: Body) -> Body:
    with state.lock:
        return {
            "now": state.now(),
            "speed": state.speed,
            "seed": state.seed,
            "balances": {p: str(b) for p, b in state.balances.items()},
            "purchases": {p: state.store.count(p) for p in PROVIDERS},
            "rate_limit": state.rate_limit,
            "skinify_rate_limit": state.skinify_rate_limit,
            "webhook_url": state.webhook_url,
            "consume_on_buy": state.consume_on_buy,
            "project_currency": state.project_currency,
            "faults": state.faults.as_json(),
        }


def reset(state: SandboxState, body: Body) -> Body:
    speed = body.get("speed")
    state.reset(
        seed=body.get("seed"), speed=None if speed is None else float(speed), balance=body.get("balance")
    )
    return summary(state, {})


def add_fault(state: SandboxState, body: Body) -> Body:
    times, rate = body.get("times"), body.get("rate")
    rule = state.inject(
        str(body["method"]),
        str(body["kind"]),
        times=None if times is None else int(times),
        rate=None if rate is None else float(rate),
        latency=float(body.get("latency") or 0),
    )
    return {"added": rule.method, "faults": state.faults.as_json()}


def clear_faults(state: SandboxState, body: Body) -> Body:
    state.clear_faults()
    return {"faults": []}


def advance(state: SandboxState, body: Body) -> Body:
    return {"now": state.advance(float(body.get("seconds", 0)))}


def force(state: SandboxState, body: Body) -> Body:
    hold = body.get("hold_seconds")
    purchase = state.force_status(
        str(body["custom_id"]),
        str(body["status"]),
        _provider(body),
        error_reason=body.get("error_reason"),
        hold_seconds=None if hold is None else float(hold),
    )
    return describe(state, purchase)


def configure(state: SandboxState, body: Body) -> Body:
    if "webhook_url" in body:
        state.set_webhook_url(body["webhook_url"])
    if "webhook_secret" in body:
        state.webhook_secret = body["webhook_secret"]
    for key in ("rate_limit", "skinify_rate_limit"):
        if body.get(key) is not None:
            setattr(state, key, int(body[key]))
    if "consume_on_buy" in body:
        state.consume_on_buy = bool(body["consume_on_buy"])
    if body.get("project_currency") is not None:
        state.set_project_currency(str(body["project_currency"]))
    if body.get("speed") is not None:
        state.set_speed(float(body["speed"]))
    return summary(state, {})


def pricelist(state: SandboxState, body: Body) -> Body:
    state.set_pricelist_size(str(body["game"]), int(body["size"]), body.get("provider"))
    return {"game": body["game"], "size": int(body["size"])}


def inventory(state: SandboxState, body: Body) -> Body:
    state.set_inventory_size(str(body["steam_id"]), int(body["size"]))
    return {"steam_id": str(body["steam_id"]), "size": int(body["size"])}


def create_purchases(state: SandboxState, body: Body) -> Body:
    """Body: provider, custom_ids or count (+ prefix), and optionally item_id, partner, token, status,
    age_seconds, debit, notify. Answers the new buy_ids and custom_ids, in order."""
    custom_ids = [str(c) for c in body.get("custom_ids") or []]
    if not custom_ids:
        prefix = str(body.get("prefix") or f"bulk-{state.store.count(_provider(body)) + 1}-")
        custom_ids = [f"{prefix}{i}" for i in range(int(body.get("count", 0)))]
    at = state.now() - float(body["age_seconds"]) if body.get("age_seconds") is not None else None
    extra = {k: str(body[k]) for k in ("partner", "token") if body.get(k)}
    created = state.create_purchases(
        _provider(body),
        custom_ids,
        item_id=body.get("item_id"),
        at=at,
        status=body.get("status"),
        debit=bool(body.get("debit")),
        notify=bool(body.get("notify")),
        **extra,
    )
    return {"buy_ids": [p.buy_id for p in created], "custom_ids": [p.custom_id for p in created]}


def purchase_detail(state: SandboxState, custom_id: str, provider: Any) -> Response:
    purchase = state.get_purchase(custom_id, str(provider) if provider else None)
    if purchase is None:
        return json_response({"error": f"no purchase with custom_id {custom_id!r}"}, 404)
    return json_response(describe(state, purchase))


def describe(state: SandboxState, purchase: Purchase) -> Body:
    with state.lock:
        now = state.now()
        view = (skinsback_market.info if purchase.provider == SKINSBACK else skinify_withdraw.info)(
            purchase, now
        )
        snap = purchase.snapshot(now)
        steps = [{"at": s.at, "status": s.status, "error_reason": s.error_reason} for s in purchase.steps]
    return {
        "provider": purchase.provider,
        "custom_id": purchase.custom_id,
        "buy_id": purchase.buy_id,
        "outcome": purchase.outcome,
        "status": snap.status,
        "open": snap.open,
        "in_hold": snap.in_hold,
        "hold_until": purchase.hold_until,
        "price": str(purchase.price),
        "steps": steps,
        "view": view,
    }


def counters(state: SandboxState, body: Body) -> Body:
    return state.counters_json()


def tick(state: SandboxState, body: Body) -> Body:
    return {"queued": state.tick()}


def _provider(body: Body) -> str:
    provider = str(body.get("provider") or SKINSBACK)
    if provider not in (SKINSBACK, SKINIFY):
        raise ValueError(f"unknown provider {provider!r}")
    return provider


ROUTES: dict[tuple[str, str], Action] = {
    ("GET", ""): summary,
    ("POST", "reset"): reset,
    ("GET", "faults"): lambda state, body: {"faults": state.faults.as_json()},
    ("POST", "faults"): add_fault,
    ("DELETE", "faults"): clear_faults,
    ("GET", "counters"): counters,
    ("POST", "advance"): advance,
    ("POST", "force"): force,
    ("POST", "config"): configure,
    ("POST", "pricelist"): pricelist,
    ("POST", "inventory"): inventory,
    ("POST", "purchases"): create_purchases,
    ("POST", "tick"): tick,
}
