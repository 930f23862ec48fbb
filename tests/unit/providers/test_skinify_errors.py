"""Skinify errors are recognised by message (there are no codes); the message becomes the code."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from purchases.providers import (
    AuthError,
    BuyRequest,
    InvalidResponse,
    RateLimited,
    Rejected,
    Unavailable,
    is_duplicate_custom_id,
)
from tests.fixtures.vendor import load_text

from .conftest import SF_TOKEN, SF_URL, TRADE_TOKEN

INFO = SF_URL + "withdraw/info"
BUY = SF_URL + "withdraw/buy"


@pytest.mark.parametrize(
    ("body", "status", "kind", "code"),
    [
        ({"status": "error", "error_message": "missing_token"}, 200, AuthError, "missing_token"),
        ({"status": "error", "error_message": "invalid_token"}, 200, AuthError, "invalid_token"),
        ({"status": "error", "error_message": "whatever"}, 401, AuthError, 401),
        ("<html>Forbidden</html>", 403, AuthError, 403),
        (
            {"status": "error", "error_message": "missing_one_of_required_params"},
            200,
            Rejected,
            "missing_one_of_required_params",
        ),
        (
            {"status": "error", "error_message": "missing_skin_parameters"},
            200,
            Rejected,
            "missing_skin_parameters",
        ),
        (
            {"status": "error", "error_message": "custom_id_already_exists"},
            200,
            Rejected,
            "custom_id_already_exists",
        ),
        ("<!doctype html><p>oops", 200, InvalidResponse, None),
        ('{"status":"success","items":[', 200, InvalidResponse, None),
        ("bad gateway", 502, Unavailable, None),
    ],
)
def test_errors_by_message(mocked, skinify, body, status, kind, code):
    if isinstance(body, dict):
        mocked.get(INFO, json=body, status=status)
    else:
        mocked.get(INFO, body=body, status=status)
    with pytest.raises(kind) as caught:
        skinify(read_retries=0).get_purchases(custom_ids=["x"])
    assert caught.value.code == code
    if kind is AuthError:
        assert "SKINIFY_TOKEN" in str(caught.value) and SF_TOKEN not in str(caught.value)


def test_duplicate_custom_id_is_recognised(mocked, skinify):
    mocked.post(BUY, json={"status": "error", "error_message": "custom_id_already_exists"})
    with pytest.raises(Rejected) as caught:
        skinify().buy(partner="1", token=TRADE_TOKEN, request=BuyRequest("c", Decimal("1"), item_id="1"))
    assert is_duplicate_custom_id(caught.value)


@pytest.mark.parametrize(
    "message",
    [
        "request_timeout",
        "invalid_game",
        "invalid_currency",
        "steam_id_missing",
        "trade_token_missing",
        "private_inventory",
        "unavaliable_inventory",
        "invalid_tradeurl",
        "empty_inventory",
        "trade_unavailable",
    ],
)
def test_inventory_errors_keep_the_vendor_spelling(mocked, skinify, message):
    mocked.post(SF_URL + "steam-inventory", json={"status": "error", "error_message": message})
    with pytest.raises(Unavailable if message == "request_timeout" else Rejected) as caught:
        skinify(read_retries=0).inventory(steam_id="76561198000000000", token=TRADE_TOKEN, game="rust")
    assert caught.value.code == message  # `unavaliable_inventory` stays misspelled: match it as sent


def test_inventory_error_in_the_inventory_envelope(mocked, skinify):
    mocked.post(SF_URL + "steam-inventory", json={"success": False, "error_message": "private_inventory"})
    with pytest.raises(Rejected, match="private_inventory"):
        skinify().inventory(steam_id="76561198000000000", token=TRADE_TOKEN, game="rust")


def test_request_limit_exceeded_is_waited_out_for_reads(mocked, skinify, clock):
    mocked.get(INFO, body=load_text("skinify_error_request_limit"))
    mocked.get(INFO, json={"status": "success", "items": []})
    assert skinify().get_purchases(buy_ids=["1"]) == []
    assert len(clock.sleeps) == 1 and 0 < clock.sleeps[0] <= 60


def test_request_limit_exceeded_on_a_buy_is_raised(mocked, skinify):
    mocked.post(BUY, body=load_text("skinify_error_request_limit"))
    with pytest.raises(RateLimited):
        skinify().buy(partner="1", token=TRADE_TOKEN, request=BuyRequest("c", Decimal("1"), item_id="1"))
    assert len(mocked.calls) == 1


def test_update_trade_token_answer_is_a_plain_success():
    from purchases.providers.skinify.parse import raise_for_error

    raise_for_error(json.loads(load_text("skinify_update_trade_token")))
