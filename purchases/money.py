"""The one way money is shown to people: thousands separators, two places, the currency code.

Machine-readable outputs (CSV export, `--json`) keep plain decimals; this is for pages and messages only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .providers.base import Balance

CENT = Decimal("0.01")


def money(amount: Decimal | str | None, currency: str = "USD") -> str:
    """`1,234.50 USD` (`1,234.50` without a currency); a price finer than a cent keeps its digits
    (`0.125 USD`), never rounded away. A string is a decimal carried as text (signed search results):
    read exactly, never through float."""
    if amount is None or amount == "":
        return "—"
    amount = Decimal(amount)
    try:
        if amount == amount.quantize(CENT):
            amount = amount.quantize(CENT)
    except InvalidOperation:  # beyond Decimal's 28 digits: inputs are bounded (validators.MONEY_MAX)
        pass  # before they get here; shown as it is rather than a crash
    # no code when none is known (a provider that named no local currency, a chart axis that names it)
    return f"{amount:,} {currency.upper()}" if currency else f"{amount:,}"


def usd(amount: Decimal | str | None) -> str:
    return money(amount, "USD")


def own_figure(balance: Balance) -> str:
    """The provider's own figure when it is not the USD one (`1,000.00 RUB`); '' for a USD project."""
    return money(balance.amount, balance.currency) if balance.in_other_currency else ""


def unnamed_currency_note(balance: Balance) -> str:
    """What is said of a balance whose answer names no currency and gives no USD figure."""
    return f"{money(balance.amount, balance.currency)} in a currency not named: not compared with prices"
