"""An amount whose currency is not known reads as the money format's digits alone, with no trailing space:
purchases/money.py decides it once, for the inventory cards and the chart's axis alike."""

from __future__ import annotations

from decimal import Decimal

from purchases.money import money


def test_no_currency_no_code_and_no_trailing_space():
    assert money(Decimal("12312"), "") == "12,312.00"
    assert money(Decimal("0.125"), "") == "0.125"
    assert money(None, "") == "—"


def test_with_a_currency_unchanged():
    assert money(Decimal("1234.5"), "rub") == "1,234.50 RUB"
