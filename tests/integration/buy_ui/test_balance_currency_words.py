"""A balance whose currency the answer does not name is shown with words and compared with nothing."""

from __future__ import annotations

from decimal import Decimal

from purchases.admin.market import balance_view
from purchases.dashboard import _balance_fields
from purchases.providers import Balance

UNKNOWN = Balance(amount=Decimal("758.93"))
ROUBLES = Balance(amount=Decimal("1000.00"), currency="rub", usd=Decimal("12.95"))


def test_the_confirmation_compares_nothing_when_usd_is_unknown():
    view = balance_view(UNKNOWN)
    assert view.amount is None and "758.93 in a currency not named" in view.note


def test_the_confirmation_compares_usd_and_shows_roubles_beside():
    view = balance_view(ROUBLES)
    assert view.amount == Decimal("12.95") and view.own == "1,000.00 RUB"


def test_the_dashboard_says_the_currency_is_not_known():
    fields = _balance_fields(UNKNOWN, "")
    assert fields["balance"] is None and fields["balance_problem"] == "currency not known"
    assert _balance_fields(ROUBLES, "") == {
        "balance": Decimal("12.95"),
        "balance_own": "1,000.00 RUB",
        "balance_problem": "",
    }
