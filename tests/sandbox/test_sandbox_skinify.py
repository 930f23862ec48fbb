"""Skinify under /skinify/api/: Token auth, withdraw/buy, info, history, prices, balance, reservations."""

from __future__ import annotations

from collections.abc import Callable

import requests

from sandbox.server import SandboxServer

from .conftest import PARTNER, custom_id_with, skinify_buy_params

Skinify = Callable[..., requests.Response]


def buy(skinify: Skinify, custom_id: str, **overrides: object) -> requests.Response:
    return skinify("POST", "withdraw/buy", **{**skinify_buy_params(custom_id), **overrides})


def test_token_header_or_query(sb: SandboxServer, http: requests.Session) -> None:
    url = sb.skinify_url + "project-balance"
    assert http.get(url, headers={"Token": "sandbox-token"}).json() == {
        "status": "success",
        "balance": "10000.00",
    }
    assert http.get(url, params={"token": "sandbox-token"}).status_code == 200
    for response in (
        http.get(url),
        http.get(url, params={"token": "nope"}),
        http.get(url, headers={"Token": "x"}),
    ):
        assert response.status_code == 401
        assert response.json() == {"status": "error", "error_message": "invalid_token"}
    post = http.post(
        sb.skinify_url + "withdraw/buy", params={"token": "sandbox-token"}, data={"partner": PARTNER}
    )
    assert post.status_code == 401  # on POST the API token travels in the header only


def test_withdraw_buy_shape(skinify: Skinify, sb: SandboxServer) -> None:
    custom_id = custom_id_with(sb.state, "accepted", provider="skinify")
    answer = buy(skinify, custom_id).json()
    assert answer == {
        "status": "success",
        "skin": {
            "id": "80000003",
            "name": "Team Captain",
            "price": 8.1,
            "properties": {"classid": answer["skin"]["properties"]["classid"]},
        },
        "purchase_id": answer["purchase_id"],
        "purchase_status": "processing",
        "date": answer["date"],
        "balance_debited_amount": 8.1,
        "custom_id": custom_id,
    }
    assert isinstance(answer["purchase_id"], int) and answer["date"].isdigit()
    assert skinify("GET", "project-balance").json()["balance"] == "9991.90"


def test_withdraw_buy_errors(skinify: Skinify, sb: SandboxServer) -> None:
    def message(custom_id: str, **overrides: object) -> str:
        return buy(skinify, custom_id, **overrides).json()["error_message"]

    buy(skinify, "k-dup")
    assert message("k-dup") == "custom_id_already_exists"
    assert sb.state.buys_recorded["k-dup"] == 1
    assert message("k-1", id="") == "missing_skin_parameters"
    assert message("k-1", id="", name="ab", game="tf2") == "name_too_short"
    assert message("k-1", id="80000010") == "skin_unavailable"
    assert message("k-1", max_price="1") == "skins_not_found_at_specified_price"
    assert message("k-1", token="BADTOKEN") == "invalid_trade_token"
    sb.state.balances["skinify"] = sb.state.balances["skinify"] * 0
    assert message("k-1") == "insufficient_funds"
    ok = buy(skinify, "k-name", id="", name="Team Captain", game="tf2", max_price="9")
    assert ok.json()["error_message"] == "insufficient_funds"


def test_withdraw_info_by_comma_list_and_array(skinify: Skinify, sb: SandboxServer) -> None:
    first = buy(skinify, "w-1").json()["purchase_id"]
    second = buy(skinify, "w-2").json()["purchase_id"]
    by_custom = skinify("GET", "withdraw/info", custom_ids="w-1,missing,w-2").json()
    assert [x["custom_id"] for x in by_custom["items"]] == ["w-1", "w-2"]
    by_ids = skinify("GET", "withdraw/info", **{"purchase_ids[]": [str(first), str(second)]}).json()
    assert [x["purchase_id"] for x in by_ids["items"]] == [str(first), str(second)]
    item = by_ids["items"][0]
    assert item["skin"] == {
        "id": "80000003",
        "name": "Team Captain",
        "price": "8.1",
        "properties": {"classid": item["skin"]["properties"]["classid"]},
    }
    assert item["balance_debited_amount"] == "8.1" and item["steam_id"].startswith("7656119")
    missing = skinify("GET", "withdraw/info").json()
    assert missing == {"status": "error", "error_message": "missing_one_of_required_params"}


def test_skinify_statuses_settlement_and_rollback(skinify: Skinify, sb: SandboxServer) -> None:
    held = custom_id_with(sb.state, "accepted_hold", provider="skinify")
    rolled = custom_id_with(sb.state, "rollback_supplier", provider="skinify")
    buy(skinify, held)
    buy(skinify, rolled)
    sb.state.advance(6.5)
    items = skinify("GET", "withdraw/info", custom_ids=f"{held},{rolled}").json()["items"]
    assert [x["purchase_status"] for x in items] == ["accepted", "accepted"]
    assert all(x["settlement"].isdigit() and x["trade_offer_id"].isdigit() for x in items)
    sb.state.advance(13)
    items = skinify("GET", "withdraw/info", custom_ids=f"{held},{rolled}").json()["items"]
    assert [x["purchase_status"] for x in items] == ["accepted", "rollback_provider"]


def test_reserved_then_processing_and_cancel(skinify: Skinify, sb: SandboxServer) -> None:
    reserved = [
        f"r-{n}" for n in range(400) if sb.state.outcome_for(f"r-{n}", "skinify").startswith("reserved+")
    ]
    answer = buy(skinify, reserved[0]).json()
    assert answer["purchase_status"] == "reserved" and isinstance(answer["reserved_until"], int)
    sb.state.advance(4.5)
    info = skinify("GET", "withdraw/info", custom_ids=reserved[0]).json()["items"][0]
    assert info["purchase_status"] == "processing" and info["reserved_until"].isdigit()
    buy(skinify, reserved[1])
    balance = sb.state.balance("skinify")
    canceled = skinify("POST", "withdraw/cancel-reservation", custom_id=reserved[1]).json()
    assert canceled["purchase_status"] == "reservation_canceled"
    assert sb.state.balance("skinify") == balance + sb.state.get_purchase(reserved[1], "skinify").price
    again = skinify("POST", "withdraw/cancel-reservation", custom_id=reserved[1]).json()
    assert again["error_message"] == "reservation_not_found"


def test_withdraw_history(skinify: Skinify, sb: SandboxServer, http: requests.Session) -> None:
    http.post(sb.url + "/_sandbox/purchases", json={"provider": "skinify", "count": 1500, "prefix": "sh-"})
    end = str(int(sb.state.now()) + 5)
    first = skinify("GET", "withdraw/history", start_date="0", end_date=end).json()
    assert (first["total_count"], first["has_more"], first["start_from"], len(first["items"])) == (
        "1500",
        True,
        1000,
        1000,
    )
    second = skinify(
        "GET", "withdraw/history", start_date="0", end_date=end, start_from=first["start_from"]
    ).json()
    assert (second["has_more"], len(second["items"])) == (False, 500)
    window = {"start_date": "0", "end_date": end}
    both = skinify("GET", "withdraw/history", purchase_statuses="processing,reserved", **window).json()
    reserved = skinify("GET", "withdraw/history", purchase_statuses="reserved", **window).json()
    assert both["total_count"] == "1500"
    assert 0 < int(reserved["total_count"]) < 1500
    assert {x["purchase_status"] for x in reserved["items"]} == {"reserved"}
    missing = skinify("GET", "withdraw/history", start_date="0").json()
    assert missing["error_message"] == "missing_start_or_end_date"


def test_prices_and_price(skinify: Skinify, sb: SandboxServer) -> None:
    grouped = skinify("GET", "withdraw/prices", game="tf2").json()
    assert grouped["status"] == "success"
    assert set(grouped["skins"][0]) == {"name", "price", "count", "properties"}
    full = skinify("GET", "withdraw/prices", game="csgo", full_list=1).json()["skins"]
    assert len(full) == 360 and set(full[0]) == {"id", "name", "price", "properties"}
    assert skinify("GET", "withdraw/prices", game="cs2").json()["status"] == "success"  # alias of csgo
    assert skinify("GET", "withdraw/prices", game="minecraft").json()["error_message"] == "invalid_game"
    single = skinify("GET", "withdraw/price", id="80000003").json()
    assert single["skin"]["name"] == "Team Captain" and single["skin"]["count"] == 1
    assert skinify("GET", "withdraw/price", id="80000010").json()["skin"]["count"] == 0
    assert skinify("GET", "withdraw/price", id="1").json()["error_message"] == "skin_not_found"


def test_routing_errors(skinify: Skinify) -> None:
    assert skinify("GET", "withdraw/buy").status_code == 405
    assert skinify("GET", "withdraw/teleport").status_code == 404
