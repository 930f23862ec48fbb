"""Signatures and PHP-style parsing, checked against the worked examples of shared/api/skinsback.md."""

from __future__ import annotations

import pytest

from sandbox.phpform import parse_body, parse_query, php_str
from sandbox.signing import skinsback_sign, skinsback_sign_string, webhook_signature, websocket_signature

ITEMS = [{"id": "62696971", "max_price": "8.50", "custom_id": "10000"}]

WORKED_EXAMPLES = [
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
        {"method": "market_getinfo", "shopid": "1490", "buy_ids": ["129112705", "129112706"]},
        "test_client_secret",
        "method:market_getinfo;shopid:1490;",
        "3dab6a57caed6aa38c8ce05d0b91fde7ab1a9a87",
    ),
]


@pytest.mark.parametrize(("params", "secret", "signed", "sign"), WORKED_EXAMPLES)
def test_worked_signature_examples(params: dict, secret: str, signed: str, sign: str) -> None:
    assert skinsback_sign_string(params) == signed
    assert skinsback_sign(params, secret) == sign
    assert skinsback_sign({**params, "sign": "ignored"}, secret) == sign


def test_json_numbers_are_signed_as_php_prints_them() -> None:
    assert skinsback_sign_string({"max_price": 8.50, "id": 5, "a": True, "b": None, "c": 8.0}) == (
        "a:1;b:;c:8;id:5;max_price:8.5;"
    )
    assert php_str(False) == ""


def test_webhook_signature_worked_example() -> None:
    body = (
        b'{"event":"status_change","data":{"item":{"id":"2516"},"buy_id":"65","offer_status":"waiting_accept",'
        b'"error_reason":null,"tradeofferid":"4176876858","custom_id":"123456"}}'
    )
    expected = "6e8790fd0aea22eba526233e91212f8b2fcb77ea5eef510f8c08832a60639a64"
    assert webhook_signature(body, "test_client_secret") == expected


def test_websocket_signature_examples() -> None:
    assert websocket_signature("1490", "test_client_secret") == "4da74af32e388f7d06e9fc0c2d693455"
    assert websocket_signature("1", "123") == "2cfd4560539f887a5e420412b370b361"


def test_php_style_form_parsing_matches_json() -> None:
    form = (
        "method=market_batch_buy&items[0][id]=1&items[0][max_price]=2.50&items[0][custom_id]=a"
        "&items[1][id]=3&items[1][max_price]=4&items[1][custom_id]=b&buy_ids[]=7&buy_ids[]=8&custom_ids[0]=x"
    )
    expected = {
        "method": "market_batch_buy",
        "items": [
            {"id": "1", "max_price": "2.50", "custom_id": "a"},
            {"id": "3", "max_price": "4", "custom_id": "b"},
        ],
        "buy_ids": ["7", "8"],
        "custom_ids": ["x"],
    }
    assert parse_query(form) == expected
    assert parse_body(form.encode(), "application/x-www-form-urlencoded") == expected
    assert parse_body(b'{"buy_ids": [7, 8]}', "application/json") == {"buy_ids": [7, 8]}
    assert parse_body(b"{broken", "application/json") == {}
