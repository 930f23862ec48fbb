"""Issue 19, points 3 and 4: every amount is bounded before anything formats or sends it, and ids and
amounts are ASCII digits only (no fullwidth or Arabic-Indic digits read as numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from purchases.money import money
from purchases.validators import MONEY_MAX, parse_money, parse_trade_url, validate_steam_id

HUGE = ["1e309", "1E26", "1" + "0" * 26, "99999999999999999999999999.99", "1000000.01", "1e3"]


@pytest.mark.parametrize("value", HUGE)
def test_amounts_above_the_bound_or_in_exponent_form_are_refused(value):
    with pytest.raises(ValidationError) as err:
        parse_money(value, field="max price")
    assert "max price" in err.value.messages[0]


def test_the_bound_itself_is_accepted():
    assert parse_money(str(MONEY_MAX)) == MONEY_MAX
    assert parse_money("999999.99") == Decimal("999999.99")


@pytest.mark.parametrize(
    "value", ["\u0661\u0662", "\uff11\uff12", "1\u0662.50", "\u06f1\u06f2", "\u0967\u0968"]
)
def test_money_in_other_scripts_digits_is_refused(value):
    with pytest.raises(ValidationError) as err:
        parse_money(value)
    assert "digits 0-9" in err.value.messages[0]


@pytest.mark.parametrize(
    "value",
    [
        "7656119810000009\uff19",
        "\uff17\uff16\uff15\uff16\uff11\uff11\uff19\uff18\uff11\uff10\uff10\uff10\uff10\uff10\uff10\uff19\uff19",
        "76561198\u066100000099",
    ],
)
def test_steam_ids_with_non_ascii_digits_are_refused(value):
    with pytest.raises(ValidationError):
        validate_steam_id(value)


def test_a_trade_url_partner_with_non_ascii_digits_is_refused():
    with pytest.raises(ValidationError):
        parse_trade_url("https://steamcommunity.com/tradeoffer/new/?partner=3973427\uff13&token=Ab12Cd34")


def test_the_money_format_never_raises_even_on_an_amount_it_cannot_quantize():
    assert money(Decimal("1e309")) == "1E+309 USD"
    assert money(Decimal("1234.5")) == "1,234.50 USD"
