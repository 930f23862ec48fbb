from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from purchases.validators import (
    parse_money,
    parse_trade_url,
    validate_steam_id,
    validate_trade_url_for,
)

GOOD_ID = "76561198050648523"
GOOD_URL = "https://steamcommunity.com/tradeoffer/new/?partner=90382795&token=Kq8v2LmZ"


def test_valid_steam_id_passes():
    validate_steam_id(GOOD_ID)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("7656119805064852", "17 digits"),
        ("765611980506485230", "17 digits"),
        ("7656119805064852a", "only digits"),
        ("12345678901234567", "starts with 7656119"),
        ("", "only digits"),
    ],
)
def test_invalid_steam_ids_are_refused_naming_the_problem(value, words):
    with pytest.raises(ValidationError) as err:
        validate_steam_id(value)
    assert words in err.value.messages[0]


def test_trade_url_is_parsed_into_partner_and_token():
    parsed = parse_trade_url(GOOD_URL)
    assert (parsed.partner, parsed.token) == ("90382795", "Kq8v2LmZ")
    assert parsed.steam_id == GOOD_ID


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://steamcommunity.com/tradeoffer/new/?partner=1&token=Kq8v2LmZ", "https://steamcommunity.com"),
        (
            "https://steamcommunity.evil.com/tradeoffer/new/?partner=1&token=Kq8v2LmZ",
            "https://steamcommunity.com",
        ),
        ("https://steamcommunity.com/profiles/1/?partner=1&token=Kq8v2LmZ", "path"),
        ("https://steamcommunity.com/tradeoffer/new/?token=Kq8v2LmZ", "partner"),
        ("https://steamcommunity.com/tradeoffer/new/?partner=abc&token=Kq8v2LmZ", "partner"),
        ("https://steamcommunity.com/tradeoffer/new/?partner=90382795", "token"),
        ("https://steamcommunity.com/tradeoffer/new/?partner=90382795&token=short", "8 letters"),
    ],
)
def test_invalid_trade_urls_are_refused_naming_the_problem(url, words):
    with pytest.raises(ValidationError) as err:
        parse_trade_url(url)
    assert words in err.value.messages[0]


def test_trade_url_partner_must_match_the_steam_id():
    validate_trade_url_for(GOOD_URL, GOOD_ID)
    with pytest.raises(ValidationError) as err:
        validate_trade_url_for(GOOD_URL, "76561198000000001")
    assert "another account" in err.value.messages[0]
    assert "partner=39734273" in err.value.messages[0]


@pytest.mark.parametrize("value", ["12.5", "0.01", "100"])
def test_money_is_parsed_as_exact_decimal(value):
    assert parse_money(value) == Decimal(value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("abc", "number"),
        ("-1", "greater than zero"),
        ("0", "greater than zero"),
        ("1.001", "two decimals"),
        ("NaN", "number"),
        ("Infinity", "number"),
    ],
)
def test_bad_money_is_refused(value, words):
    with pytest.raises(ValidationError) as err:
        parse_money(value)
    assert words in err.value.messages[0]
