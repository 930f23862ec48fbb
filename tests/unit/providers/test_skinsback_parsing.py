"""Every SkinsBack vendor payload, fed verbatim through the client."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from purchases.providers import BuyRequest, NotFound
from purchases.providers.base import STEAM_IMAGE_URL
from tests.fixtures.vendor import load, load_text

from .conftest import SB_URL, TRADE_TOKEN

STEAM_ID = "76561198050648523"


def _batch_request() -> list[BuyRequest]:
    ids = {"62696971": "10000", "62697425": "10001", "62696979": "10002", "62697480": "10003"}
    return [BuyRequest(custom_id, Decimal("9.00"), item_id=item_id) for item_id, custom_id in ids.items()]


def test_inventory_example(mocked, skinsback):
    mocked.post(SB_URL, body=load_text("skinsback_user_inventory"))
    inventory = skinsback().inventory(steam_id=STEAM_ID, token=TRADE_TOKEN, game="rust", currency="rub")
    assert len(inventory.items) == 17
    assert sum(item.disabled for item in inventory.items) == 4
    assert inventory.currency_local == "rub"
    first = inventory.items[0]
    assert first.asset_id == "4284666526576951869" and first.name == "Black Bandana"
    assert (first.price, first.price_local, first.multiplied_price_local) == (
        Decimal("0.07"),
        Decimal("6.49"),
        Decimal("12.98"),
    )
    assert first.tradable is True and first.app_id == "252490" and first.class_id == "1239822445"
    assert first.image_url == STEAM_IMAGE_URL.format(icon_url=first.icon_url)
    assert sum(item.price_local for item in inventory.items) == Decimal(
        "143.71"
    )  # 17 printed values added exactly
    assert all(isinstance(item.price_local, Decimal) for item in inventory.items)


def test_inventory_request_parameters(mocked, skinsback):
    mocked.post(SB_URL, body=load_text("skinsback_user_inventory"))
    skinsback().inventory(
        steam_id=STEAM_ID,
        token=TRADE_TOKEN,
        game="csgo",
        multiplier=Decimal("1.5"),
        custom_currency="PTS",
        rate=Decimal("0.10"),
    )
    body = json.loads(mocked.calls[0].request.body)
    assert body == {
        "method": "user_inventory",
        "game": "cs2",
        "steam_id": STEAM_ID,
        "trade_token": TRADE_TOKEN,
        "custom_multiplier": "1.5",
        "custom_currency": "PTS",
        "custom_currency_rate": "0.10",
    }


def test_inventory_fields_at_top_level_are_accepted_too(mocked, skinsback):
    data = load("skinsback_user_inventory")["data"]
    mocked.post(SB_URL, json={"status": "success", **data})
    assert len(skinsback().inventory(steam_id=STEAM_ID, token=TRADE_TOKEN, game="rust").items) == 17


def test_batch_example(mocked, skinsback):
    mocked.post(SB_URL, body=load_text("skinsback_market_batch_buy"))
    result = skinsback().batch_buy(partner="90078795", token=TRADE_TOKEN, items=_batch_request())
    assert [p.buy_id for p in result.purchased] == ["129112705", "129112706"]
    first = result.purchased[0]
    assert first.balance_debited == Decimal("8.28") and first.price == Decimal("8.28")
    assert first.custom_id == "10000" and first.item_id == "62696971" and first.status == "creating_trade"
    assert first.steam_id == STEAM_ID and first.date == datetime(2025, 6, 2, 11, 1, tzinfo=UTC)
    assert [(u.item_id, u.code, u.message) for u in result.unavailable] == [
        ("62696979", 5, "skin_unavailable"),
        ("62697480", 5, "skin_unavailable"),
    ]
    assert [u.custom_id for u in result.unavailable] == ["10002", "10003"]


def test_batch_as_lists_and_ambiguous_ids(mocked, skinsback):
    example = load("skinsback_market_batch_buy")
    body = {
        "status": "success",
        "purchased": list(example["purchased"].values()),
        "unavailable": [
            {"id": "5", "error_code": "6", "error_message": "skins_not_found_at_specified_price"}
        ],
    }
    mocked.post(SB_URL, body=json.dumps(body))
    items = [BuyRequest("a", Decimal("1"), item_id="5"), BuyRequest("b", Decimal("1"), item_id="5")]
    result = skinsback().batch_buy(partner="1", token=TRADE_TOKEN, items=items)
    assert len(result.purchased) == 2
    assert result.unavailable[0].code == 6
    assert result.unavailable[0].custom_id is None  # two request items had that id: not guessed


def test_batch_larger_than_max_is_refused_before_sending(mocked, skinsback):
    provider = skinsback()
    items = [BuyRequest(str(i), Decimal("1"), item_id=str(i)) for i in range(provider.max_batch_size + 1)]
    with pytest.raises(ValueError, match="at most"):
        provider.batch_buy(partner="1", token=TRADE_TOKEN, items=items)
    assert not mocked.calls


@pytest.mark.parametrize(
    "name", ["skinsback_market_getinfo.en", "skinsback_market_getinfo.de", "skinsback_market_getinfo.md"]
)
def test_getinfo_single_examples(mocked, skinsback, name):
    mocked.post(SB_URL, body=load_text(name))
    [info] = skinsback().get_purchases(buy_ids=["9"])
    assert json.loads(mocked.calls[0].request.body) == {"method": "market_getinfo", "buy_id": "9"}
    assert info.buy_id == "9" and info.status == "trade_create_error" and info.error_reason is None
    assert info.item_id == "1280" and info.item_name == "Taunt: RazorFlip!" and info.price == Decimal("0.16")
    assert info.balance_debited == Decimal("11.73") and info.steam_id == STEAM_ID
    assert info.date == datetime.fromtimestamp(1596999226, UTC)
    assert info.trade_offer_id is None and info.custom_id is None and info.in_hold is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-10 12:30:00", datetime(2025, 6, 10, 12, 30, tzinfo=UTC)),
        ("2025-06-10T14:30:00+02:00", datetime(2025, 6, 10, 12, 30, tzinfo=UTC)),
        ("2025-06-10T12:30:00Z", datetime(2025, 6, 10, 12, 30, tzinfo=UTC)),
        (1749558600, datetime(2025, 6, 10, 12, 30, tzinfo=UTC)),
        ("1749558600", datetime(2025, 6, 10, 12, 30, tzinfo=UTC)),
    ],
)
def test_getinfo_items_form_with_hold(mocked, skinsback, value, expected):
    entry = {
        "item": {"id": 1280, "name": "X", "price": 0.16, "classid": "1"},
        "buy_id": 77,
        "offer_status": "accepted",
        "in_hold": True,
        "in_hold_until": value,
        "tradeofferid": "4176876858",
        "custom_id": "c-77",
        "date": 1596999226,
        "balance_debited_sum": 0.16,
    }
    mocked.post(SB_URL, json={"status": "success", "items": [entry]})
    [info] = skinsback().get_purchases(custom_ids=["c-77"])
    assert json.loads(mocked.calls[0].request.body) == {"method": "market_getinfo", "custom_ids": ["c-77"]}
    assert info.in_hold is True and info.hold_until == expected
    assert (info.buy_id, info.item_id, info.trade_offer_id) == ("77", "1280", "4176876858")
    assert info.price == Decimal("0.16")


def test_getinfo_chunks_to_100_ids(mocked, skinsback):
    mocked.post(SB_URL, json={"status": "success", "items": []})
    skinsback().get_purchases(buy_ids=[str(i) for i in range(250)], custom_ids=["a", "b"])
    bodies = [json.loads(call.request.body) for call in mocked.calls]
    assert [len(b.get("buy_ids", b.get("custom_ids", []))) for b in bodies] == [100, 100, 50, 2]


def test_getinfo_unknown_single_id_is_an_empty_answer(mocked, skinsback):
    mocked.post(SB_URL, json={"status": "error", "error_code": 2, "error_message": "offer_not_found"})
    assert skinsback().get_purchases(custom_ids=["nope"]) == []


def test_getinfo_unknown_id_in_a_list_does_not_hide_the_others(mocked, skinsback):
    def answer(request):
        ids = json.loads(request.body).get("custom_ids", [])
        if "missing" in ids:
            return (
                200,
                {},
                json.dumps({"status": "error", "error_code": 2, "error_message": "offer_not_found"}),
            )
        items = [{"buy_id": i, "custom_id": i, "offer_status": "accepted"} for i in ids]
        return 200, {}, json.dumps({"status": "success", "items": items})

    mocked.add_callback("POST", SB_URL, callback=answer)
    found = skinsback().get_purchases(custom_ids=["a", "missing", "b", "c"])
    assert sorted(p.custom_id for p in found) == ["a", "b", "c"]


def test_getinfo_error_2_is_not_found_for_direct_use():
    from purchases.providers.skinsback.parse import error_for

    assert isinstance(error_for(2, "offer_not_found", "market_getinfo"), NotFound)
    assert not isinstance(error_for(2, "name_min_length_3", "market_search"), NotFound)


def test_history_pages(mocked, skinsback):
    entry = load("skinsback_market_getinfo.en")
    page1 = {
        "status": "success",
        "total_count": "3",
        "has_more": True,
        "start_from": 2,
        "items": [entry, entry],
    }
    page2 = {"status": "success", "total_count": 3, "has_more": False, "items": [entry]}
    mocked.post(SB_URL, body=json.dumps(page1))
    mocked.post(SB_URL, body=json.dumps(page2))
    since, until = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    items = list(skinsback().iter_history(since=since, until=until))
    assert len(items) == 3
    first, second = (json.loads(call.request.body) for call in mocked.calls)
    assert first == {"method": "market_history", "starting": "1735689600", "ending": "1738368000"}
    assert second["start_from"] == "2"


def test_price_list_is_streamed(mocked, skinsback):
    items = ",".join(
        json.dumps(
            {
                "id": str(i),
                "name": f"Skin {i}",
                "price": "1.10" if i % 2 else 2.5,
                "classid": 7,
                "instanceid": "0",
            }
        )
        for i in range(1000)
    )
    mocked.post(SB_URL, body='{"status":"success","last_update":1700000000,"items":[' + items + "]}")
    entries = list(skinsback().price_list(game="csgo"))
    assert len(entries) == 1000
    assert entries[1].price == Decimal("1.10") and entries[0].price == Decimal("2.5")
    assert entries[0].item_id == "0" and entries[0].classid == "7" and entries[0].game == "cs2"
    assert json.loads(mocked.calls[0].request.body) == {
        "method": "market_pricelist",
        "game": "cs2",
        "full": "1",
    }


def test_search_balance_and_status(mocked, skinsback):
    mocked.post(
        SB_URL,
        json={"status": "success", "items": [{"id": "2715", "name": "AK", "price": "77.02", "classid": "1"}]},
    )
    mocked.post(
        SB_URL, json={"status": "success", "balance": "758.93", "balance_in_currencies": {"rub": 70000}}
    )
    mocked.post(SB_URL, json={"status": "success", "available": False, "reason": "no_bots"})
    provider = skinsback()
    [entry] = provider.search(name="AK", game="cs2")
    assert (entry.item_id, entry.price) == ("2715", Decimal("77.02"))
    balance = provider.balance()
    assert balance.amount == Decimal("758.93") and balance.extra["balance_in_currencies"] == {"rub": 70000}
    status = provider.server_status()
    assert status.available is False and status.reason == "no_bots"
    assert [json.loads(c.request.body)["method"] for c in mocked.calls] == [
        "market_search",
        "balance",
        "status",
    ]


def test_buy_example_shape(mocked, skinsback):
    answer = {
        "status": "success",
        "item": {"id": 1280, "name": "Taunt", "price": 0.16, "classid": "1"},
        "buy_id": 129112705,
        "offer_status": "creating_trade",
        "balance_debited_sum": 0.16,
        "custom_id": "c-1",
    }
    mocked.post(SB_URL, json=answer)
    info = skinsback().buy(
        partner="1", token=TRADE_TOKEN, request=BuyRequest("c-1", Decimal("0.20"), name="Taunt", game="dota2")
    )
    assert info.buy_id == "129112705" and info.balance_debited == Decimal("0.16")
    body = json.loads(mocked.calls[0].request.body)
    assert body["name"] == "Taunt" and body["game"] == "dota2" and "id" not in body
