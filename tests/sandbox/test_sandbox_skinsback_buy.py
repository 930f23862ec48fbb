"""market_buy / market_batch_buy: shapes, dedupe by custom_id, refusals, balance."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import requests

from sandbox.server import SandboxServer

from .conftest import PARTNER, TOKEN, buy_params

# The vendor's example answer of market_batch_buy (shared/vendor-docs/skinsback-market_batch_buy.en.txt).
VENDOR_BATCH = {
    "status": "success",
    "purchased": {
        "62696971": {
            "item": {
                "id": "62696971",
                "name": "'The Doctor' Romanov | Sabre",
                "price": 8.28,
                "classid": "3608084106",
                "instanceid": "0",
            },
            "buy_id": 129112705,
            "offer_status": "creating_trade",
            "steamid": "76561198050648523",
            "date": "1748862060",
            "balance_debited_sum": 8.28,
            "custom_id": "10000",
        },
    },
    "unavailable": {"62696979": {"error_code": 5, "error_message": "skin_unavailable"}},
}


def shape(value: object) -> object:
    """Keys and JSON types, not values; dict keys that are ids are collapsed."""
    if isinstance(value, dict):
        keys = list(value)
        if keys and all(k.isdigit() for k in keys):
            return {"<id>": shape(value[keys[0]])}
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__


def test_market_buy_success_shape_and_debit(call: Callable[..., dict], sb: SandboxServer) -> None:
    answer = call(**buy_params("buy-1", item_id=10_000_003, max_price="20"))
    assert answer["status"] == "success"
    assert answer["offer_status"] == "creating_trade"
    assert answer["item"] == {
        "id": "10000003",
        "name": "AK-47 | Redline (Field-Tested)",
        "price": 14.62,
        "classid": answer["item"]["classid"],
        "instanceid": answer["item"]["instanceid"],
    }
    assert isinstance(answer["buy_id"], int)
    assert answer["balance_debited_sum"] == 14.62
    assert answer["custom_id"] == "buy-1"
    assert answer["steamid"] == str(76561197960265728 + int(PARTNER))
    assert call(method="balance")["balance"] == "9985.38"
    assert sb.state.balance() == Decimal("9985.38")


def test_buy_by_name_and_game_takes_cheapest_within_max_price(call: Callable[..., dict]) -> None:
    params = {
        "method": "market_buy",
        "partner": PARTNER,
        "token": TOKEN,
        "name": "Fracture Case",
        "game": "cs2",
        "max_price": "1",
        "custom_id": "by-name",
    }
    answer = call(**params)
    assert answer["item"]["name"] == "Fracture Case"
    assert answer["item"]["price"] == 0.42


def test_duplicate_custom_id_is_7_and_buys_nothing(call: Callable[..., dict], sb: SandboxServer) -> None:
    first = call(**buy_params("dup-1"))
    balance = sb.state.balance()
    second = call(**buy_params("dup-1", item_id=10_000_002))
    assert second == {"status": "error", "error_code": 7, "error_message": "custom_id_already_exists"}
    assert sb.state.balance() == balance
    assert sb.state.buys_recorded["dup-1"] == 1
    assert sb.state.buy_attempts["dup-1"] == 2
    items = call(method="market_getinfo", custom_ids=["dup-1"])["items"]
    assert [x["buy_id"] for x in items] == [str(first["buy_id"])]


def test_buy_refusals(call: Callable[..., dict], sb: SandboxServer) -> None:
    def code(**overrides: object) -> int:
        params = {**buy_params("refused"), **overrides}
        return call(**{k: v for k, v in params.items() if v is not None})["error_code"]

    assert code(id=None) == 1
    assert code(id=None, name="AK", game="cs2") == 2
    assert code(partner=None) == 3
    assert code(partner="abc") == 8
    assert code(token="BADTOKEN") == 9
    assert code(id=10_000_010) == 5  # ids ending in 0 are unavailable
    assert code(id=99_999_999) == 5
    assert code(id=10_000_003, max_price="14.61") == 6
    sb.state.balances["skinsback"] = Decimal("1.00")
    assert code(id=10_000_003) == 4
    assert sb.state.buys_recorded["refused"] == 0


def test_batch_buy_answers_the_vendor_shape(call: Callable[..., dict], sb: SandboxServer) -> None:
    items = [
        {"id": "10000003", "max_price": "20", "custom_id": "b-1"},
        {"id": "10000004", "max_price": 100, "custom_id": "b-2"},
        {"id": "10000010", "max_price": "5", "custom_id": "b-3"},
    ]
    answer = call(method="market_batch_buy", partner=PARTNER, token=TOKEN, items=items)
    assert shape(answer) == shape(VENDOR_BATCH)
    assert set(answer["purchased"]) == {"10000003", "10000004"}
    assert answer["unavailable"] == {"10000010": {"error_code": 5, "error_message": "skin_unavailable"}}
    assert answer["purchased"]["10000003"]["custom_id"] == "b-1"
    assert answer["purchased"]["10000003"]["buy_id"] != answer["purchased"]["10000004"]["buy_id"]
    assert sb.state.buys_recorded == {"b-1": 1, "b-2": 1}


def test_batch_buy_form_encoded_with_explicit_indexes(sb: SandboxServer, http: requests.Session) -> None:
    form = {
        "method": "market_batch_buy",
        "partner": PARTNER,
        "token": TOKEN,
        "items[0][id]": "10000003",
        "items[0][max_price]": "20",
        "items[0][custom_id]": "f-1",
        "items[1][id]": "10000003",
        "items[1][max_price]": "20",
        "items[1][custom_id]": "f-2",
    }
    headers = {"X-CLIENT-ID": "sandbox", "X-CLIENT-SECRET": "sandbox-secret"}
    answer = http.post(sb.skinsback_url, data=form, headers=headers).json()
    assert list(answer["purchased"]) == ["10000003"]
    assert answer["unavailable"] == {"10000003": {"error_code": 5, "error_message": "skin_unavailable"}}


def test_batch_buy_per_item_and_whole_request_errors(call: Callable[..., dict]) -> None:
    call(**buy_params("taken"))
    items = [{"id": "10000005", "max_price": "1000", "custom_id": "taken"}]
    answer = call(method="market_batch_buy", partner=PARTNER, token=TOKEN, items=items)
    assert answer["purchased"] == []  # PHP's json_encode of an empty array
    assert answer["unavailable"]["10000005"]["error_code"] == 7
    bad_partner = call(method="market_batch_buy", partner="x1", token=TOKEN, items=items)
    assert bad_partner == {"status": "error", "error_code": 8, "error_message": "invalid_partner_value"}
    bad_token = call(method="market_batch_buy", partner=PARTNER, token="BADTOKEN", items=items)
    assert bad_token == {"status": "error", "error_code": 9, "error_message": "invalid_token_value"}


def test_search_and_pricelist(call: Callable[..., dict], sb: SandboxServer) -> None:
    found = call(method="market_search", game="cs2", name="AK-47 | Redline (Field-Tested)")["items"]
    assert found[0] == {
        "id": "10000003",
        "name": "AK-47 | Redline (Field-Tested)",
        "price": "14.62",
        "classid": found[0]["classid"],
    }
    assert call(method="market_search", game="cs2")["error_code"] == 1
    assert call(method="market_search", game="cs2", names=["AK"])["error_code"] == 2
    grouped = call(method="market_pricelist", game="rust")
    assert {"name", "price", "classid", "count"} == set(grouped["items"][0])
    assert any(x["name"] == "Black Bandana" for x in grouped["items"])
    full = call(method="market_pricelist", game="dota2", full=1)["items"]
    assert len(full) == 360  # what is on sale: listings whose id ends in 0 are not
    assert all(x["id"] % 10 for x in full)
    assert set(full[0]) == {"id", "name", "price", "classid", "instanceid"}


def test_large_pricelist_is_streamed(sb: SandboxServer, http: requests.Session) -> None:
    sb.state.set_pricelist_size("cs2", 100_000)
    headers = {"X-CLIENT-ID": "sandbox", "X-CLIENT-SECRET": "sandbox-secret"}
    response = http.post(
        sb.skinsback_url,
        json={"method": "market_pricelist", "game": "cs2", "full": "1"},
        headers=headers,
        stream=True,
    )
    assert "Content-Length" not in response.headers
    items = response.json()["items"]
    assert len(items) == 90_000  # on sale: every id not ending in 0
    assert len({x["id"] for x in items}) == 90_000
    assert items[-1]["id"] == 10_099_999
