"""Validation of Steam ids, trade URLs and money input, with messages that name the problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError

STEAM_ID64_BASE = 76561197960265728
STEAM_ID_RE = re.compile(r"^7656119\d{10}$")
TRADE_URL_HOSTS = ("steamcommunity.com", "www.steamcommunity.com")
TRADE_URL_PATH = "/tradeoffer/new/"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8}$")


def validate_steam_id(value: str) -> None:
    value = (value or "").strip()
    if not value.isdigit():
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
    if not partner.isdigit():
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


def parse_money(value: object, *, field: str = "price", allow_zero: bool = False) -> Decimal:
    """A positive Decimal from user input; never goes through float."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"The {field} must be a number, like 12.50.", code="money") from None
    if not amount.is_finite():
        raise ValidationError(f"The {field} must be a number, like 12.50.", code="money")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(f"The {field} must be greater than zero.", code="money_positive")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(f"The {field} has at most two decimals (cents).", code="money_cents")
    return amount


def mask_token(token: str) -> str:
    """Show enough of a trade token to recognise it, not to use it."""
    if not token:
        return ""
    return token[:2] + "••••••"
