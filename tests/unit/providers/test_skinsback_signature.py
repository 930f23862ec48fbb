"""The four worked examples of shared/api/skinsback.md section 2, and the wire form that is signed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import responses

from purchases.providers import BuyRequest
from purchases.providers.http import encode
from purchases.providers.skinsback.client import sign_string, signature

from .conftest import CLIENT_ID, SB_URL, SECRET, TRADE_TOKEN

ITEMS = [{"id": "62696971", "max_price": "8.50", "custom_id": "10000"}]


@pytest.mark.parametrize(
    ("params", "secret", "signed", "sign"),
    [
        (
            {"method": "orderstatus", "order_id": "1", "shopid": "123"},
            "123",
            "method:orderstatus;order_id:1;shopid:123;",
            "abee99d476c736102c3d6062807761b6e4d31dd8",
        ),
        (
            {"method": "market_getinfo", "buy_id": "129112705", "shopid": "1490"},
            "test_client_secret",
            "buy_id:129112705;method:market_getinfo;shopid:1490;",
            "8c67ca3ded958c55543a8cc8294fdb0a4a9535af",
        ),
        (
            {
                "method": "market_batch_buy",
                "shopid": "1490",
                "partner": "90078795",
                "token": "AbCd1234",
                "items": ITEMS,
            },
            "test_client_secret",
            "method:market_batch_buy;partner:90078795;shopid:1490;token:AbCd1234;",
            "65b83831c4896a3aed90a9f0c648cc79a0ea5f17",
        ),
        (
            {"method": "market_getinfo", "shopid": "1490", "buy_ids": ["1", "2"]},
            "test_client_secret",
            "method:market_getinfo;shopid:1490;",
            "3dab6a57caed6aa38c8ce05d0b91fde7ab1a9a87",
        ),
    ],
)
def test_worked_examples(params, secret, signed, sign):
    assert sign_string(params) == signed
    assert signature(params, secret) == sign


def test_scalars_travel_as_the_strings_that_are_signed():
    wire = encode(
        {"max_price": Decimal("8.50"), "tiny": Decimal("1E-7"), "n": 5, "f": 8.5, "yes": True, "no": None}
    )
    assert wire == {"max_price": "8.50", "tiny": "0.0000001", "n": "5", "f": "8.5", "yes": "1"}
    assert encode({"items": [{"max_price": Decimal("1.10")}]}) == {"items": [{"max_price": "1.10"}]}


def test_signature_mode_sends_shopid_and_a_sign_over_the_sent_strings(mocked, skinsback):
    mocked.post(SB_URL, json={"status": "success", "buy_id": "1", "offer_status": "creating_trade"})
    provider = skinsback(auth="signature")
    provider.buy(
        partner="90078795", token=TRADE_TOKEN, request=BuyRequest("c-1", Decimal("8.50"), item_id="7")
    )
    request = mocked.calls[0].request
    body = json.loads(request.body)
    assert body["shopid"] == CLIENT_ID and body["max_price"] == "8.50"
    assert all(isinstance(v, str) for k, v in body.items() if k != "items")
    unsigned = {k: v for k, v in body.items() if k != "sign"}
    assert body["sign"] == signature(unsigned, SECRET)
    assert "X-CLIENT-SECRET" not in request.headers
    assert request.headers["Content-Type"] == "application/json"


def test_headers_mode_sends_no_sign(mocked, skinsback):
    mocked.post(SB_URL, json={"status": "success", "balance": "1.00"})
    skinsback().balance()
    request = mocked.calls[0].request
    assert request.headers["X-CLIENT-ID"] == CLIENT_ID and request.headers["X-CLIENT-SECRET"] == SECRET
    assert json.loads(request.body) == {"method": "balance"}


def test_batch_items_are_a_json_array_never_php_brackets(mocked, skinsback):
    mocked.post(SB_URL, json={"status": "success", "purchased": [], "unavailable": []})
    items = [BuyRequest(f"c-{i}", Decimal("1.5"), item_id=str(i)) for i in range(3)]
    skinsback(auth="signature").batch_buy(partner="1", token=TRADE_TOKEN, items=items)
    raw = mocked.calls[0].request.body.decode()
    assert "items[]" not in raw and "items[0]" not in raw
    assert json.loads(raw)["items"][2] == {"id": "2", "max_price": "1.5", "custom_id": "c-2"}


def test_unknown_auth_mode_is_refused():
    from purchases.providers import SkinsBackProvider

    with pytest.raises(ValueError, match="headers"):
        SkinsBackProvider(api_url=SB_URL, client_id="1", client_secret="x", auth="basic")


@responses.activate
def test_default_transport_works_without_settings():
    from purchases.providers import SkinsBackProvider

    responses.post(SB_URL, json={"status": "success", "available": True})
    status = SkinsBackProvider(api_url=SB_URL, client_id="1", client_secret="s3cr3t!").server_status()
    assert status.available is True
