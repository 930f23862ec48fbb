"""Every documented SkinsBack error code maps to a typed error; broken answers never crash."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from purchases.providers import (
    AuthError,
    BuyRequest,
    InvalidResponse,
    NotFound,
    RateLimited,
    Rejected,
    Timeout,
    Unavailable,
    is_duplicate_custom_id,
    is_outcome_unknown,
)
from tests.fixtures.vendor import load_text

from .conftest import SB_URL, SECRET, TRADE_TOKEN

STANDARD = [
    (-1, "please_use_post_method", Rejected),
    (-2, "invalid_shopid", AuthError),
    (-3, "invalid_signature", AuthError),
    (-4, "shop_not_active", AuthError),
    (-5, "invalid_method", Rejected),
    (-6, "market_disabled", Unavailable),
    (-8, "invalid_ip_address", AuthError),
    (-9, "under_maintenance", Unavailable),
    (-10, "invalid_client_secret", AuthError),
]
BUY = [
    (1, "name_or_id_required"),
    (2, "name_min_length_3"),
    (3, "partner_or_token_required"),
    (4, "insufficient_funds"),
    (5, "skin_unavailable"),
    (6, "skins_not_found_at_specified_price"),
    (7, "custom_id_already_exists"),
    (8, "invalid_partner_value"),
    (9, "invalid_token_value"),
    (10, "too_many_failed_attempts_for_user"),
]
INVENTORY = [
    (1, "invalid_game"),
    (2, "invalid_steam_id"),
    (3, "invalid_trade_token"),
    (4, "invalid_currency"),
    (5, "user_not_tradable"),
    (6, "user_inventory_is_hidden"),
    (7, "user_inventory_is_unavailable"),
    (8, "invalid_custom_currency"),
    (9, "invalid_custom_currency_rate"),
    (10, "invalid_custom_multiplier"),
]
CHECK_WORDS = {
    -2: "SKINSBACK_CLIENT_ID",
    -3: "SKINSBACK_AUTH",
    -4: "merchant panel",
    -8: "IP",
    -10: "CLIENT_SECRET",
}


def _error(code: int, message: str) -> dict:
    return {"status": "error", "error_code": code, "error_message": message}


def _buy(provider):
    return provider.buy(partner="1", token=TRADE_TOKEN, request=BuyRequest("c-1", Decimal("1"), item_id="5"))


@pytest.mark.parametrize(("code", "message", "kind"), STANDARD)
def test_standard_errors(mocked, skinsback, code, message, kind):
    mocked.post(SB_URL, json=_error(code, message))
    with pytest.raises(kind) as caught:
        skinsback(read_retries=0).balance()
    assert caught.value.code == code and message in caught.value.message
    if kind is AuthError:
        assert CHECK_WORDS[code] in str(caught.value) and SECRET not in str(caught.value)


def test_rate_limited_example(mocked, skinsback):
    mocked.post(SB_URL, body=load_text("skinsback_error_request_limit"))
    with pytest.raises(RateLimited) as caught:
        _buy(skinsback())
    assert caught.value.code == -7 and len(mocked.calls) == 1  # a buy is never repeated


@pytest.mark.parametrize(("code", "message"), BUY)
def test_buy_errors_are_rejections_with_the_providers_words(mocked, skinsback, code, message):
    mocked.post(SB_URL, json=_error(code, message))
    with pytest.raises(Rejected) as caught:
        _buy(skinsback())
    assert (caught.value.code, caught.value.message) == (code, message)
    assert is_duplicate_custom_id(caught.value) is (code == 7)
    assert not is_outcome_unknown(caught.value)


@pytest.mark.parametrize(("code", "message"), INVENTORY)
def test_inventory_errors(mocked, skinsback, code, message):
    mocked.post(SB_URL, json=_error(code, message))
    with pytest.raises(Rejected) as caught:
        skinsback().inventory(steam_id="76561198000000000", token=TRADE_TOKEN, game="rust")
    assert (caught.value.code, caught.value.message) == (code, message)


def test_inventory_error_example(mocked, skinsback):
    mocked.post(SB_URL, body=load_text("skinsback_user_inventory_error"))
    with pytest.raises(Rejected, match="invalid_currency"):
        skinsback().inventory(steam_id="76561198000000000", token=TRADE_TOKEN, game="rust", currency="xyz")


def test_getinfo_errors(mocked, skinsback):
    mocked.post(SB_URL, json=_error(1, "missing_one_of_required_params"))
    with pytest.raises(Rejected) as caught:
        skinsback().get_purchases(buy_ids=["1", "2"])
    assert not isinstance(caught.value, NotFound) and caught.value.code == 1


def test_error_with_http_500_status_code_but_error_body(mocked, skinsback):
    mocked.post(SB_URL, json=_error(4, "insufficient_funds"), status=200)
    with pytest.raises(Rejected):
        _buy(skinsback())


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ("<!DOCTYPE html><html><body>Cloudflare</body></html>", 200, InvalidResponse),
        ('{"status":"success","balance":"12', 200, InvalidResponse),
        ("", 200, InvalidResponse),
        ("[1, 2]", 200, InvalidResponse),
        ('{"status":"weird"}', 200, InvalidResponse),
        ('{"status":"success","balance":"abc"}', 200, InvalidResponse),
        ('{"status":"success","balance":{"x":1}}', 200, InvalidResponse),
        ("<html>502 Bad Gateway</html>", 502, Unavailable),
        ("", 503, Unavailable),
        ("<html>forbidden</html>", 403, InvalidResponse),
    ],
)
def test_broken_answers_are_typed_never_a_crash(mocked, skinsback, body, status, kind, records):
    mocked.post(SB_URL, body=body, status=status)
    with pytest.raises(kind):
        skinsback(read_retries=0).balance()
    assert records[-1].outcome in ("invalid", "http_error")


def test_garbled_buy_answer_leaves_the_outcome_unknown(mocked, skinsback):
    mocked.post(SB_URL, body='{"status":"success","buy_id":')
    with pytest.raises(InvalidResponse) as caught:
        _buy(skinsback())
    assert is_outcome_unknown(caught.value)


def test_buy_5xx_is_unavailable_with_unknown_outcome_and_not_repeated(mocked, skinsback):
    mocked.post(SB_URL, status=502, body="bad gateway")
    with pytest.raises(Unavailable) as caught:
        _buy(skinsback())
    assert is_outcome_unknown(caught.value) and len(mocked.calls) == 1


def test_buy_that_times_out_raises_timeout_and_was_sent_once(mocked, skinsback, records):
    mocked.post(SB_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(Timeout) as caught:
        _buy(skinsback())
    assert len(mocked.calls) == 1
    assert is_outcome_unknown(caught.value) and "custom_id" in str(caught.value)
    assert [r.outcome for r in records] == ["timeout"] and records[0].subjects == ["c-1"]


def test_buy_connection_dropped_after_sending_is_a_timeout(mocked, skinsback):
    mocked.post(SB_URL, body=requests.ConnectionError("Connection aborted. RemoteDisconnected"))
    with pytest.raises(Timeout):
        _buy(skinsback())
    assert len(mocked.calls) == 1


def test_buy_that_could_not_connect_is_known_not_sent(mocked, skinsback):
    mocked.post(SB_URL, body=requests.ConnectTimeout("connect timeout"))
    with pytest.raises(Unavailable) as caught:
        _buy(skinsback())
    assert not is_outcome_unknown(caught.value)


def test_read_retried_after_one_5xx(mocked, skinsback, clock, records):
    mocked.post(SB_URL, status=500, body="oops")
    mocked.post(SB_URL, json={"status": "success", "balance": "5.00"})
    assert skinsback().balance().amount == Decimal("5.00")
    assert len(mocked.calls) == 2 and clock.sleeps == [0.01]
    assert [r.outcome for r in records] == ["http_error", "ok"]


def test_read_retries_timeouts_and_maintenance_with_exponential_backoff(mocked, skinsback, clock):
    mocked.post(SB_URL, body=requests.ReadTimeout("slow"))
    mocked.post(SB_URL, body=requests.ConnectionError("reset"))
    mocked.post(SB_URL, json=_error(-9, "under_maintenance"))
    mocked.post(SB_URL, json={"status": "success", "available": True})
    assert skinsback(read_retries=3).server_status().available
    assert clock.sleeps == [0.01, 0.02, 0.04]


def test_read_gives_up_after_the_retry_budget(mocked, skinsback):
    mocked.post(SB_URL, status=503)
    with pytest.raises(Unavailable):
        skinsback(read_retries=2).balance()
    assert len(mocked.calls) == 3


def test_market_disabled_is_not_retried(mocked, skinsback):
    mocked.post(SB_URL, json=_error(-6, "market_disabled"))
    with pytest.raises(Unavailable):
        skinsback().search(name="AK-47", game="cs2")
    assert len(mocked.calls) == 1


def test_rate_limited_read_waits_for_the_rest_of_the_window_then_succeeds(mocked, skinsback, clock):
    clock.now = 1_699_999_995.0  # 15 s into a minute (1_699_999_980 is a multiple of 60)
    mocked.post(SB_URL, body=load_text("skinsback_error_request_limit"))
    mocked.post(SB_URL, json={"status": "success", "balance": "1.00"})
    assert skinsback().balance().amount == Decimal("1.00")
    assert clock.sleeps == [45.0]


def test_price_list_errors(mocked, skinsback):
    mocked.post(SB_URL, json=_error(-6, "market_disabled"))
    with pytest.raises(Unavailable):
        list(skinsback().price_list(game="cs2"))
    mocked.replace(
        responses_post(), SB_URL, body='{"status":"success","items":[{"id":"1","name":"A","price":"1"},'
    )
    with pytest.raises(InvalidResponse):
        list(skinsback().price_list(game="cs2"))


def test_price_list_retries_a_5xx_before_the_first_item(mocked, skinsback):
    mocked.post(SB_URL, status=502)
    mocked.post(SB_URL, body='{"status":"success","items":[{"id":"1","name":"A","price":"1.5"}]}')
    assert [e.price for e in skinsback().price_list(game="cs2")] == [Decimal("1.5")]


def test_price_list_html_page(mocked, skinsback):
    mocked.post(SB_URL, body="<html><body>maintenance</body></html>")
    with pytest.raises(InvalidResponse):
        list(skinsback().price_list(game="cs2"))


def responses_post():
    import responses

    return responses.POST
