"""market_getinfo / market_history and the scripted status paths on the sandbox clock."""

from __future__ import annotations

import re
from collections.abc import Callable

import requests

from sandbox.server import SandboxServer

from .conftest import buy_params, custom_id_with


def test_getinfo_single_form_has_string_values(call: Callable[..., dict]) -> None:
    buy_id = call(**buy_params("info-1", item_id=10_000_003))["buy_id"]
    info = call(method="market_getinfo", buy_id=buy_id)
    assert info["status"] == "success"
    assert info["item"] == {
        "id": "10000003",
        "name": "AK-47 | Redline (Field-Tested)",
        "price": "14.62",
        "classid": info["item"]["classid"],
    }
    assert info["buy_id"] == str(buy_id)
    assert info["offer_status"] == "creating_trade"
    assert info["error_reason"] is None
    assert info["balance_debited_sum"] == "14.62"
    assert info["date"].isdigit()
    assert info["custom_id"] == "info-1"
    assert "tradeofferid" not in info


def test_getinfo_lists_answer_items_and_skip_unknown_ids(call: Callable[..., dict]) -> None:
    first = call(**buy_params("list-1"))["buy_id"]
    call(**buy_params("list-2"))
    by_buy_ids = call(method="market_getinfo", buy_ids=[first, 1, "junk"])
    assert set(by_buy_ids) == {"status", "items"}
    assert [x["custom_id"] for x in by_buy_ids["items"]] == ["list-1"]
    by_custom = call(method="market_getinfo", custom_ids=["list-2", "missing", "list-1"])["items"]
    assert [x["custom_id"] for x in by_custom] == ["list-2", "list-1"]
    assert call(method="market_getinfo", buy_id=1) == {
        "status": "error",
        "error_code": 2,
        "error_message": "offer_not_found",
    }
    assert call(method="market_getinfo")["error_code"] == 1


def test_accepted_path_with_advance(call: Callable[..., dict], sb: SandboxServer) -> None:
    custom_id = custom_id_with(sb.state, "accepted")
    buy_id = call(**buy_params(custom_id))["buy_id"]
    sb.state.advance(2.5)
    waiting = call(method="market_getinfo", buy_id=buy_id)
    assert waiting["offer_status"] == "waiting_accept"
    assert waiting["tradeofferid"].isdigit()
    sb.state.advance(4)
    done = call(method="market_getinfo", buy_id=buy_id)
    assert done["offer_status"] == "accepted"
    assert done["in_hold"] is False
    assert done["tradeofferid"] == waiting["tradeofferid"]


def test_hold_then_settled(call: Callable[..., dict], sb: SandboxServer) -> None:
    custom_id = custom_id_with(sb.state, "accepted_hold")
    buy_id = call(**buy_params(custom_id))["buy_id"]
    sb.state.advance(6.5)
    held = call(method="market_getinfo", buy_id=buy_id)
    assert (held["offer_status"], held["in_hold"]) == ("accepted", True)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", held["in_hold_until"])
    sb.state.advance(31)
    settled = call(method="market_getinfo", buy_id=buy_id)
    assert (settled["offer_status"], settled["in_hold"]) == ("accepted", False)


def test_hold_then_rollback(call: Callable[..., dict], sb: SandboxServer) -> None:
    custom_user = custom_id_with(sb.state, "rollback_user")
    custom_supplier = custom_id_with(sb.state, "rollback_supplier")
    call(**buy_params(custom_user))
    call(**buy_params(custom_supplier))
    sb.state.advance(6.5)
    items = call(method="market_getinfo", custom_ids=[custom_user, custom_supplier])["items"]
    assert [(x["offer_status"], x["in_hold"]) for x in items] == [("accepted", True)] * 2
    sb.state.advance(13)
    items = call(method="market_getinfo", custom_ids=[custom_user, custom_supplier])["items"]
    assert [x["offer_status"] for x in items] == ["rollback_user", "rollback_supplier"]
    assert all(x["in_hold"] is False for x in items)


def test_failures_and_outcome_mix(call: Callable[..., dict], sb: SandboxServer) -> None:
    canceled = custom_id_with(sb.state, "canceled")
    create_error = custom_id_with(sb.state, "create_error")
    call(**buy_params(canceled))
    call(**buy_params(create_error))
    sb.state.advance(10)
    items = call(method="market_getinfo", custom_ids=[canceled, create_error])["items"]
    assert [x["offer_status"] for x in items] == ["canceled", "trade_create_error"]
    assert "tradeofferid" in items[0] and "tradeofferid" not in items[1]
    outcomes = [sb.state.outcome_for(f"mix-{n}") for n in range(2000)]
    accepted = sum(o in ("accepted", "accepted_hold", "rollback_user", "rollback_supplier") for o in outcomes)
    assert 0.58 < accepted / len(outcomes) < 0.72


def test_force_status(call: Callable[..., dict], sb: SandboxServer, http: requests.Session) -> None:
    buy_id = call(**buy_params("forced"))["buy_id"]
    sb.state.force_status("forced", "waiting_accept")
    info = call(method="market_getinfo", buy_id=buy_id)
    assert info["offer_status"] == "waiting_accept" and "tradeofferid" in info
    sb.state.advance(3600)
    assert call(method="market_getinfo", buy_id=buy_id)["offer_status"] == "waiting_accept"
    body = {"provider": "skinsback", "custom_id": "forced", "status": "accepted", "hold_seconds": 60}
    forced = http.post(sb.url + "/_sandbox/force", json=body).json()
    assert forced["view"]["in_hold"] is True


def test_history_pages_over_2500_purchases(
    call: Callable[..., dict], sb: SandboxServer, http: requests.Session
) -> None:
    created = http.post(
        sb.url + "/_sandbox/purchases", json={"provider": "skinsback", "count": 2500, "prefix": "h-"}
    )
    assert len(created.json()["buy_ids"]) == 2500
    seen: list[str] = []
    start_from = None
    pages = 0
    while True:
        params = {"method": "market_history", "starting": 0, "ending": int(sb.state.now()) + 10}
        page = call(**params, **({"start_from": start_from} if start_from is not None else {}))
        pages += 1
        assert page["total_count"] == 2500
        assert len(page["items"]) <= 1000
        seen += [x["custom_id"] for x in page["items"]]
        start_from = page["start_from"]
        if not page["has_more"]:
            break
    assert pages == 3
    assert seen == [f"h-{n}" for n in range(2500)]
    empty = call(method="market_history", starting=0, ending=1000)
    assert (empty["total_count"], empty["has_more"], empty["items"]) == (0, False, [])
