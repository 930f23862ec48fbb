"""Skinify: vendor payloads, the wire format (Token header, token query on GET, form bodies,
comma-separated ids) and error mapping by message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from purchases.providers import (
    BuyRequest,
    NotSupported,
)
from purchases.providers.skinify.parse import purchase
from tests.fixtures.vendor import load, load_text

from .conftest import SF_TOKEN, SF_URL, TRADE_TOKEN

INFO = SF_URL + "withdraw/info"
BUY = SF_URL + "withdraw/buy"


def _query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def test_info_example_two_items(mocked, skinify):
    mocked.get(INFO, body=load_text("skinify_withdraw_info"))
    first, second = skinify().get_purchases(buy_ids=["1", "2"])
    assert (first.buy_id, first.status, first.trade_offer_id) == ("1", "waiting_accept", "123123123")
    assert first.item_id == "11552" and first.item_name == "Crimson Pique" and first.price == Decimal("0.3")
    assert first.balance_debited == Decimal("0.3") and first.steam_id == "76561199191754048"
    assert first.custom_id == "1234" and first.date == datetime.fromtimestamp(1643713700, UTC)
    assert (second.buy_id, second.status, second.trade_offer_id) == ("2", "processing", None)
    assert first.in_hold is False and first.hold_until is None


def test_get_carries_the_token_header_and_query_and_comma_separated_ids(mocked, skinify):
    mocked.get(INFO, json={"status": "success", "items": []})
    skinify().get_purchases(custom_ids=["a-1", "a-2", "a-1"])
    call = mocked.calls[0]
    assert call.request.headers["Token"] == SF_TOKEN
    assert _query(call) == {"custom_ids": ["a-1,a-2"], "token": [SF_TOKEN]}
    assert call.request.method == "GET"


def test_info_chunks_to_100(mocked, skinify):
    mocked.get(INFO, json={"status": "success", "items": []})
    skinify().get_purchases(buy_ids=[str(i) for i in range(150)])
    assert [len(_query(c)["purchase_ids"][0].split(",")) for c in mocked.calls] == [100, 50]


def test_ids_with_commas_are_refused(mocked, skinify):
    with pytest.raises(ValueError):
        skinify().get_purchases(custom_ids=["a,b"])


def test_buy_example_and_form_body(mocked, skinify):
    mocked.post(BUY, body=load_text("skinify_withdraw_buy"))
    info = skinify().buy(
        partner="90078795", token=TRADE_TOKEN, request=BuyRequest("1234", Decimal("0.50"), item_id="11552")
    )
    assert (info.buy_id, info.status, info.custom_id) == ("1", "processing", "1234")
    assert info.price == Decimal("0.3") and info.balance_debited == Decimal("0.3")
    request = mocked.calls[0].request
    assert request.headers["Token"] == SF_TOKEN
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {
        "partner": ["90078795"],
        "token": [TRADE_TOKEN],
        "id": ["11552"],
        "max_price": ["0.50"],
        "custom_id": ["1234"],
    }
    assert "[" not in request.body and "?" not in request.url  # no items[][id], no API token in a POST query


def test_buy_by_name_maps_the_game(mocked, skinify):
    mocked.post(BUY, body=load_text("skinify_withdraw_buy"))
    skinify().buy(
        partner="1",
        token=TRADE_TOKEN,
        request=BuyRequest("c", Decimal("1"), name="AK-47 | Redline", game="cs2"),
    )
    body = parse_qs(mocked.calls[0].request.body)
    assert body["game"] == ["csgo"] and body["name"] == ["AK-47 | Redline"]


def test_settlement_in_the_future_means_in_hold():
    now = datetime(2025, 1, 1, tzinfo=UTC)
    entry = dict(load("skinify_withdraw_info")["items"][0], purchase_status="accepted")
    held = purchase({**entry, "settlement": str(int((now + timedelta(days=7)).timestamp()))}, now=now)
    assert held.in_hold is True and held.hold_until == now + timedelta(days=7)
    done = purchase({**entry, "settlement": int((now - timedelta(days=1)).timestamp())}, now=now)
    assert done.in_hold is False and done.hold_until == now - timedelta(days=1)
    reserved = purchase({**entry, "purchase_status": "reserved", "reserved_until": 1735693200}, now=now)
    assert reserved.reserved_until == datetime(2025, 1, 1, 1, tzinfo=UTC) and not reserved.in_hold
    assert purchase(
        {**entry, "balance_debited_amount": None, "balance_debited_sum": "0.3"}
    ).balance_debited == Decimal("0.3")
    event = {k: v for k, v in entry.items() if k != "balance_debited_amount"}
    assert purchase({**event, "balance_debited_sum": "0.31"}).balance_debited == Decimal("0.31")


def test_history_pages(mocked, skinify):
    items = load("skinify_withdraw_info")["items"]
    mocked.get(
        SF_URL + "withdraw/history",
        json={"status": "success", "items": items, "total_count": "3", "has_more": True, "start_from": 999},
    )
    mocked.get(
        SF_URL + "withdraw/history",
        json={"status": "success", "items": items[:1], "total_count": "3", "has_more": False},
    )
    since, until = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC)
    assert len(list(skinify().iter_history(since=since, until=until))) == 3
    first, second = (_query(c) for c in mocked.calls)
    assert first == {"start_date": ["1735689600"], "end_date": ["1735776000"], "token": [SF_TOKEN]}
    assert second["start_from"] == ["999"]


def test_price_list_streamed_and_search(mocked, skinify):
    skins = [
        {"id": "1", "name": "Crimson Pique", "price": 0.3, "properties": {"classid": "1723113626"}},
        {
            "id": 2,
            "name": "crimson pique",
            "price": "0.35",
            "properties": {"classid": "1723113626", "provider_id": 3},
        },
        {"id": "3", "name": "Other", "price": "1", "properties": {"classid": "5"}},
    ]
    for _ in range(2):
        mocked.get(SF_URL + "withdraw/prices", json={"status": "success", "skins": skins})
    entries = list(skinify().price_list(game="cs2"))
    assert [(e.item_id, e.price, e.classid, e.game) for e in entries][:2] == [
        ("1", Decimal("0.3"), "1723113626", "csgo"),
        ("2", Decimal("0.35"), "1723113626", "csgo"),
    ]
    assert _query(mocked.calls[0]) == {"game": ["csgo"], "full_list": ["1"], "token": [SF_TOKEN]}
    assert [e.item_id for e in skinify().search(name="Crimson Pique", game="csgo")] == ["1", "2"]


INVENTORY = {
    "inventory": [
        {
            "id": "111",
            "name": "AK",
            "type": "Rifle",
            "quality": "",
            "img": "icon-hash-1",
            "tradable": 1,
            "short_type": "MW",
            "disabled": 0,
            "price": "1.25",
            "gid": "730",
        },
        {
            "id": 112,
            "name": "Case",
            "type": "Container",
            "img": "icon-hash-2",
            "tradable": 0,
            "disabled": 1,
            "price": "0.03",
            "gid": "730",
        },
    ],
    "success": True,
    "currency": "usd",
}


def test_inventory_envelope(mocked, skinify):
    assert '"success":true' in load_text("skinify_steam_inventory_envelope.txt")  # the shape the notes print
    mocked.post(SF_URL + "steam-inventory", json=INVENTORY)
    inv = skinify().inventory(
        steam_id="76561198000000000", token=TRADE_TOKEN, game="cs2", multiplier=Decimal("2")
    )
    first, second = inv.items
    assert inv.currency_local == "usd" and first.asset_id == "111" and second.asset_id == "112"
    assert first.price == Decimal("1.25") and first.multiplied_price_local == Decimal("2.50")
    assert first.image_url == "https://steamcommunity-a.akamaihd.net/economy/image/icon-hash-1/200fx200f"
    assert first.app_id == "730" and first.tradable and not first.disabled
    assert second.disabled and not second.tradable
    body = parse_qs(mocked.calls[0].request.body)
    assert body == {
        "game": ["csgo"],
        "steam_id": ["76561198000000000"],
        "trade_token": [TRADE_TOKEN],
        "currency": ["usd"],
        "show_disabled": ["1"],
    }


def test_inventory_custom_currency_is_computed_from_usd(mocked, skinify):
    mocked.post(SF_URL + "steam-inventory", json=INVENTORY)
    inv = skinify().inventory(
        steam_id="76561198000000000",
        token=TRADE_TOKEN,
        game="csgo",
        custom_currency="PTS",
        rate=Decimal("0.5"),
        multiplier=Decimal("1.5"),
    )
    assert inv.currency_local == "PTS"
    assert (inv.items[0].price_local, inv.items[0].multiplied_price_local) == (
        Decimal("0.63"),
        Decimal("0.95"),
    )


def test_balance_assumed_endpoint(mocked, skinify):
    mocked.get(SF_URL + "project-balance", json={"status": "success", "balance": "758.93"})
    assert skinify().balance().amount == Decimal("758.93")
    assert _query(mocked.calls[0]) == {"token": [SF_TOKEN]}


def test_not_offered(skinify):
    provider = skinify()
    with pytest.raises(NotSupported):
        provider.server_status()
    with pytest.raises(NotSupported):
        provider.batch_buy(partner="1", token=TRADE_TOKEN, items=[])
    assert (
        provider.max_batch_size == 1
        and provider.rate_limit_per_minute == 300
        and provider.offer_window_minutes == 5
    )
