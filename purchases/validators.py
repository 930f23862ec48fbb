"""Validation of Steam ids, trade URLs and money input, with messages that name the problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError

STEAM_ID64_BASE = 76561197960265728
# re.ASCII: `\d` is 0-9 only, never a fullwidth or Arabic-Indic digit (str.isdigit() takes those)
STEAM_ID_RE = re.compile(r"^7656119\d{10}$", re.ASCII)
ASCII_DIGITS_RE = re.compile(r"^[0-9]+$")
# a plain decimal written with ASCII digits: no exponent, no spaces inside, no other script's digits
PLAIN_DECIMAL_RE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
MAX_NUMBER_LENGTH = 32

# The bounds of every amount a person types (admin pages, inventory page, commands), in one place. Far
# above any real skin price or currency rate, far below what Decimal's 28-digit context or a provider
# could mishandle (issue 19: 1e26 and up crashed the money format; 1e309 reached a provider).
MONEY_MAX = Decimal("1000000")  # USD per item: a max price, a price
MULTIPLIER_MIN, MULTIPLIER_MAX = Decimal("0.5"), Decimal("2")  # SkinsBack's user_inventory limits
RATE_MIN, RATE_MAX = Decimal("0.1"), Decimal("1000000")  # a custom currency's units per USD
TRADE_URL_HOSTS = ("steamcommunity.com", "www.steamcommunity.com")
TRADE_URL_PATH = "/tradeoffer/new/"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8}$")


def validate_steam_id(value: str) -> None:
    value = (value or "").strip()
    if not ASCII_DIGITS_RE.match(value):
        raise ValidationError(
            "A Steam id has only digits (SteamID64, e.g. 76561198050648523).", code="digits"
        )
    if len(value) != 17:
        raise ValidationError(f"A Steam id has 17 digits; this one has {len(value)}.", code="length")
    if not STEAM_ID_RE.match(value):
        raise ValidationError("A Steam id (SteamID64) starts with 7656119.", code="range")


@dataclass(frozen=True)
class TradeUrl:
    partner: str
    token: str

    @property
    def steam_id(self) -> str:
        return str(int(self.partner) + STEAM_ID64_BASE)


def parse_trade_url(url: str) -> TradeUrl:
    """Parse `https://steamcommunity.com/tradeoffer/new/?partner=<digits>&token=<8 chars>`."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.netloc.lower() not in TRADE_URL_HOSTS:
        raise ValidationError(
            "A trade URL starts with https://steamcommunity.com/tradeoffer/new/.", code="trade_url_host"
        )
    if parts.path.rstrip("/") + "/" != TRADE_URL_PATH:
        raise ValidationError("A trade URL's path is /tradeoffer/new/.", code="trade_url_path")
    query = parse_qs(parts.query)
    partner = (query.get("partner") or [""])[0]
    token = (query.get("token") or [""])[0]
    if not ASCII_DIGITS_RE.match(partner) or len(partner) > 10:
        raise ValidationError("The trade URL needs a numeric partner=… parameter.", code="trade_url_partner")
    if not TOKEN_RE.match(token):
        raise ValidationError(
            "The trade URL needs a token=… parameter of 8 letters or digits.", code="trade_url_token"
        )
    return TradeUrl(partner=partner, token=token)


def validate_trade_url_for(url: str, steam_id: str) -> TradeUrl:
    """Parse the trade URL and check that its partner is this Steam user."""
    parsed = parse_trade_url(url)
    if steam_id and parsed.steam_id != steam_id:
        expected = int(steam_id) - STEAM_ID64_BASE
        raise ValidationError(
            f"The trade URL belongs to another account: partner={parsed.partner}, "
            f"but Steam id {steam_id} has partner={expected}.",
            code="trade_url_mismatch",
        )
    return parsed


def parse_decimal(value: object, *, field: str, example: str = "12.50") -> Decimal:
    """A finite Decimal from typed text: ASCII digits, an optional sign and point; never through float."""
    text = str(value if value is not None else "").strip()
    if any(char.isdigit() and not char.isascii() for char in text):
        raise ValidationError(f"The {field} must be written with the digits 0-9.", code="ascii_digits")
    if len(text) > MAX_NUMBER_LENGTH or not PLAIN_DECIMAL_RE.match(text):
        raise ValidationError(f"The {field} must be a number, like {example}.", code="number")
    try:
        return Decimal(text)
    except InvalidOperation:  # the pattern admits only what Decimal reads; kept for safety
        raise ValidationError(f"The {field} must be a number, like {example}.", code="number") from None


def parse_money(value: object, *, field: str = "price", allow_zero: bool = False) -> Decimal:
    """A positive Decimal amount of USD from user input, at most MONEY_MAX, in cents at most."""
    amount = parse_decimal(value, field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(f"The {field} must be greater than zero.", code="money_positive")
    if amount > MONEY_MAX:
        raise ValidationError(f"The {field} must be at most {MONEY_MAX:,} USD.", code="money_max")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(f"The {field} has at most two decimals (cents).", code="money_cents")
    return amount


def mask_token(token: str) -> str:
    """Show enough of a trade token to recognise it, not to use it."""
    if not token:
        return ""
    return token[:2] + "••••••"


def mask_trade_url(url: str) -> str:
    """A trade URL with its token masked (`...?partner=1&token=Ab••••••`); kept in the URL history."""
    if not url:
        return ""
    try:
        parsed = parse_trade_url(url)
    except ValidationError:
        return "(not a valid trade URL)"
    return f"https://steamcommunity.com/tradeoffer/new/?partner={parsed.partner}&token={mask_token(parsed.token)}"
