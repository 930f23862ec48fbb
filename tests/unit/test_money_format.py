from decimal import Decimal

import pytest

from purchases.money import money, usd


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("14.6200"), "USD", "14.62 USD"),
        (Decimal("1.0000"), "usd", "1.00 USD"),
        (Decimal("10000"), "USD", "10,000.00 USD"),
        (Decimal("12312.0"), "RUB", "12,312.00 RUB"),
        (Decimal("0.125"), "USD", "0.125 USD"),
        (Decimal("-1234.5"), "USD", "-1,234.50 USD"),
        (None, "USD", "—"),
    ],
)
def test_one_money_format(amount, currency, shown):
    assert money(amount, currency) == shown


def test_usd_is_money_in_dollars():
    assert usd(Decimal("9120")) == "9,120.00 USD"


def test_a_decimal_carried_as_text_is_read_exactly():
    assert usd("9120.5") == "9,120.50 USD" and usd("") == "—"
