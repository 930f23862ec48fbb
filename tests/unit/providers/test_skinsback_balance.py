"""SkinsBack's `balance` answer: `balance` is the project's own currency, USD is in
`balance_in_currencies.usd` (the recorded live answer of a rouble project, parsed verbatim)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from purchases.providers import InvalidResponse, Rejected, is_outcome_unknown
from tests.fixtures.vendor import load_text

from .conftest import SB_URL


def test_the_recorded_rouble_answer_gives_usd_and_the_project_currency(mocked, skinsback):
    mocked.post(SB_URL, body=load_text("skinsback_balance_live_rub"))
    balance = skinsback().balance()
    assert balance.usd == Decimal("12.95") and isinstance(balance.usd, Decimal)
    assert (balance.amount, balance.currency) == (Decimal("1000.00"), "rub")
    assert balance.in_other_currency
    assert str(balance.usd) == "12.95" and str(balance.amount) == "1000.00"  # exact from the strings


def test_a_usd_project_has_one_figure(mocked, skinsback):
    mocked.post(
        SB_URL,
        json={
            "status": "success",
            "balance": "758.93",
            "balance_in_currencies": {"usd": "758.93", "rub": "70354.81"},
        },
    )
    balance = skinsback().balance()
    assert (balance.usd, balance.amount, balance.currency) == (Decimal("758.93"), Decimal("758.93"), "usd")
    assert not balance.in_other_currency


def test_without_balance_in_currencies_neither_currency_nor_usd_is_known(mocked, skinsback):
    mocked.post(SB_URL, json={"status": "success", "balance": "758.93"})
    balance = skinsback().balance()
    assert balance.usd is None and balance.currency == "" and balance.amount == Decimal("758.93")


def test_an_ambiguous_match_leaves_the_currency_unknown_but_keeps_usd(mocked, skinsback):
    mocked.post(
        SB_URL,
        json={
            "status": "success",
            "balance": "5.00",
            "balance_in_currencies": {"usd": "0.05", "rub": "5.00", "uah": "5.00"},
        },
    )
    balance = skinsback().balance()
    assert balance.usd == Decimal("0.05") and balance.currency == ""


def test_an_unreadable_usd_figure_is_not_used(mocked, skinsback):
    mocked.post(
        SB_URL,
        json={
            "status": "success",
            "balance": "100.00",
            "balance_in_currencies": {"usd": "n/a", "rub": "100.00"},
        },
    )
    balance = skinsback().balance()
    assert balance.usd is None and balance.currency == "rub"


@pytest.mark.parametrize(
    "body", ['{"status":"fail","error_code":-9,"error_message":"maintenance"}', '{"status":"fail"}']
)
def test_a_fail_status_on_a_read_is_an_error_named_as_such(mocked, skinsback, body):
    mocked.post(SB_URL, body=body)
    with pytest.raises(Exception) as caught:
        skinsback().balance()
    assert not isinstance(caught.value, InvalidResponse)
    assert 'status "fail"' in str(caught.value)


def test_a_fail_status_on_a_buy_is_never_a_refusal(mocked, skinsback):
    from purchases.providers import BuyRequest

    from .conftest import TRADE_TOKEN

    mocked.post(SB_URL, json={"status": "fail", "error_code": 4, "error_message": "insufficient_funds"})
    with pytest.raises(Rejected) as caught:
        skinsback().buy(
            partner="1", token=TRADE_TOKEN, request=BuyRequest("c-1", Decimal("1.00"), item_id="9")
        )
    assert is_outcome_unknown(caught.value)  # looked up by custom_id, never called rejected
