"""user_inventory (SkinsBack) and steam-inventory (Skinify): the vendor example, validation, special ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

import sandbox
from sandbox.server import SandboxServer

from .conftest import HEADERS, TOKEN

EXAMPLE_ID = "76561198050648523"
EXAMPLE_FILE = Path(sandbox.__file__).parent / "data" / f"skinsback_user_inventory_{EXAMPLE_ID}.json"


def inventory(call: Callable[..., dict], steam_id: str = "76561198012345678", **params: object) -> dict:
    return call(
        method="user_inventory",
        game=params.pop("game", "cs2"),
        steam_id=steam_id,
        trade_token=TOKEN,
        **params,
    )


def test_vendor_example_is_served_verbatim(sb: SandboxServer, http: requests.Session) -> None:
    params = {"method": "user_inventory", "game": "rust", "steam_id": EXAMPLE_ID, "trade_token": TOKEN}
    response = http.post(sb.skinsback_url, json=params, headers=HEADERS)
    assert response.content == EXAMPLE_FILE.read_bytes()
    answer = response.json()
    items = answer["data"]["items"]
    assert answer["status"] == "success"
    assert answer["data"]["currency_local"] == "rub"
    assert len(items) == 17
    assert sum(x["disabled"] for x in items) == 4
    assert items[0]["item"] == {
        "asset_id": "4284666526576951869",
        "tradable": 1,
        "app_id": 252490,
        "icon_url": "6TMcQ7eX6E0EZl2byXi7vaVKyDk_zQLX05x6eLCFM9neAckxGDf7qU2e2gu64OnAeQ7835Je5GTEfCk4nReh8DEiv5dbOK0"
        "-r7A-Rvoc_CHvvg",
        "class_id": "1239822445",
    }


def test_generated_inventory_is_deterministic(call: Callable[..., dict]) -> None:
    first = inventory(call, currency="eur", custom_multiplier="1.5")
    again = inventory(call, currency="eur", custom_multiplier="1.5")
    assert first == again
    items = first["data"]["items"]
    assert 10 <= len(items) <= 40
    assert first["data"]["currency_local"] == "eur"
    assert all(x["item"]["tradable"] == 1 and x["item"]["app_id"] == 730 for x in items)
    assert {"item", "name", "price", "stickers", "disabled", "price_local", "multiplied_price_local"} == set(
        items[0]
    )
    assert any(x["disabled"] for x in items) or len(items) < 15
    assert inventory(call, steam_id="76561198012345679")["data"]["items"] != items


def test_custom_currency(call: Callable[..., dict]) -> None:
    answer = inventory(call, custom_currency="GLD", custom_currency_rate="2")
    assert answer["data"]["currency_local"] == "gld"
    item = answer["data"]["items"][0]
    assert item["price_local"] == round(item["price"] * 2, 2)


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"custom_currency": "TOOLONG", "custom_currency_rate": "2"}, 8, "invalid_custom_currency"),
        ({"custom_currency_rate": "2"}, 8, "invalid_custom_currency"),
        ({"custom_currency": "GLD"}, 9, "invalid_custom_currency_rate"),
        ({"custom_currency": "GLD", "custom_currency_rate": "0.05"}, 9, "invalid_custom_currency_rate"),
        ({"custom_multiplier": "0.4"}, 10, "invalid_custom_multiplier"),
        ({"custom_multiplier": "2.01"}, 10, "invalid_custom_multiplier"),
        ({"custom_multiplier": "x"}, 10, "invalid_custom_multiplier"),
        ({"currency": "xyz"}, 4, "invalid_currency"),
        ({"game": "minecraft"}, 1, "invalid_game"),
    ],
)
def test_inventory_validation_errors(
    call: Callable[..., dict], params: dict, code: int, message: str
) -> None:
    assert inventory(call, **params) == {"status": "error", "error_code": code, "error_message": message}


def test_inventory_steam_id_and_token_errors(call: Callable[..., dict]) -> None:
    assert inventory(call, steam_id="123")["error_code"] == 2
    bad_token = call(
        method="user_inventory", game="cs2", steam_id="76561198012345678", trade_token="BADTOKEN"
    )
    assert bad_token["error_code"] == 3


@pytest.mark.parametrize(
    ("steam_id", "code", "message"),
    [
        ("76561198000000005", 5, "user_not_tradable"),
        ("76561198000000006", 6, "user_inventory_is_hidden"),
        ("76561198000000007", 7, "user_inventory_is_unavailable"),
    ],
)
def test_special_steam_ids(call: Callable[..., dict], steam_id: str, code: int, message: str) -> None:
    assert inventory(call, steam_id=steam_id) == {
        "status": "error",
        "error_code": code,
        "error_message": message,
    }


def test_inventory_sizes(call: Callable[..., dict], sb: SandboxServer) -> None:
    assert inventory(call, steam_id="76561198000000008")["data"]["items"] == []
    assert len(inventory(call, steam_id="76561198000001000")["data"]["items"]) == 1000
    sb.state.set_inventory_size("76561198012345678", 3)
    assert len(inventory(call)["data"]["items"]) == 3


def test_skinify_steam_inventory(skinify: Callable[..., requests.Response]) -> None:
    params = {"game": "csgo", "steam_id": "76561198012345678", "trade_token": TOKEN}
    hidden = skinify("POST", "steam-inventory", **params).json()
    assert set(hidden) == {"inventory", "success", "currency"}
    assert (hidden["success"], hidden["currency"]) == (True, "usd")
    assert all(x["disabled"] == 0 for x in hidden["inventory"])
    shown = skinify("POST", "steam-inventory", show_disabled=1, **params).json()["inventory"]
    assert len(shown) >= len(hidden["inventory"])
    keys = {"id", "name", "type", "quality", "img", "tradable", "short_type", "disabled", "price", "gid"}
    assert set(shown[0]) == keys and shown[0]["gid"] == "730" and isinstance(shown[0]["price"], str)
    example = skinify(
        "POST", "steam-inventory", game="rust", steam_id=EXAMPLE_ID, trade_token=TOKEN, show_disabled=1
    )
    assert len(example.json()["inventory"]) == 17
    private = skinify("POST", "steam-inventory", **{**params, "steam_id": "76561198000000006"})
    assert private.json() == {"success": False, "error": "private_inventory"}
    assert (
        skinify("POST", "steam-inventory", game="csgo", trade_token=TOKEN).json()["error"]
        == "steam_id_missing"
    )
    assert skinify("POST", "steam-inventory", **{**params, "game": "x"}).json()["error"] == "invalid_game"


def test_example_file_is_the_vendor_json() -> None:
    data = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
    assert data["data"]["items"][1]["name"] == "Forest Camo Pants"
    assert data["data"]["items"][1]["disabled"] is True
