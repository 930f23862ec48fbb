"""Money is Decimal USD inside the sandbox; these helpers render it the ways the vendors do."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal | None:
    """Decimal(str(x)) for a received value; None when absent or not a finite number."""
    if value is None or value == "" or isinstance(value, (bool, dict, list)):
        return None
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def php_money(amount: Decimal) -> str:
    """How PHP prints a float amount: "0.3", "8.28", "10" (no trailing zeros)."""
    text = format(amount.quantize(CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money2(amount: Decimal) -> str:
    """Two decimals: "10000.00"."""
    return format(amount.quantize(CENT), "f")


def number(amount: Decimal) -> float:
    """A JSON number (two-decimal amounts round-trip exactly through float repr)."""
    return float(amount.quantize(CENT))
