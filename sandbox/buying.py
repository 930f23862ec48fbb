"""The buy logic both providers share: validation, dedupe by custom_id, item, price, funds, record."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .catalog import Listing, canonical_game
from .money import to_decimal
from .phpform import php_str, text
from .purchases import Purchase
from .state import SandboxState

PARTNER_RE = re.compile(r"^\d{1,10}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{6,16}$")
BAD_TOKENS = frozenset({"badtoken"})  # well-formed but refused: triggers invalid_token_value


class BuyError(Exception):
    """A refused buy; `reason` is provider-neutral, each provider maps it to its own code/message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class BuyInput:
    item_id: str
    name: str
    game: str
    max_price: Decimal | None
    custom_id: str | None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> BuyInput:
        raw_max = params.get("max_price")
        max_price = to_decimal(raw_max)
        if raw_max not in (None, "") and max_price is None:
            max_price = Decimal(0)  # an unreadable ceiling buys nothing rather than anything
        custom_id = php_str(params.get("custom_id")).strip() or None
        return cls(
            text(params.get("id")), text(params.get("name")), text(params.get("game")), max_price, custom_id
        )

    def check(self) -> None:
        if not self.item_id and not (self.name and self.game):
            raise BuyError("missing_skin")
        if not self.item_id and len(self.name) < 3:
            raise BuyError("name_too_short")


def valid_token(token: str) -> bool:
    return bool(TOKEN_RE.match(token)) and token.lower() not in BAD_TOKENS


def check_trade_url(partner: Any, token: Any) -> tuple[str, str]:
    """(partner, token) as strings; else BuyError missing_/invalid_ partner/token."""
    partner_text, token_text = text(partner), text(token)
    if not partner_text:
        raise BuyError("missing_partner")
    if not token_text:
        raise BuyError("missing_token")
    if not PARTNER_RE.match(partner_text) or int(partner_text) == 0:
        raise BuyError("invalid_partner")
    if not valid_token(token_text):
        raise BuyError("invalid_token")
    return partner_text, token_text


def buy(
    state: SandboxState,
    provider: str,
    order: BuyInput,
    partner: str,
    token: str,
    taken: set[str] | None = None,
) -> Purchase:
    """Record one purchase or raise BuyError. `taken`: listing ids already bought in this batch."""
    with state.lock:
        if order.custom_id:
            state.counters.buy_attempts[order.custom_id] += 1
            if state.store.by_custom(provider, order.custom_id):
                raise BuyError("custom_id_exists")
        listing = _resolve(state, provider, order, taken or set())
        if state.balances[provider] < listing.price:
            raise BuyError("insufficient_funds")
        purchase = state._record(provider, listing, order.custom_id, partner, token)
        if order.custom_id:
            state.counters.buys_recorded[order.custom_id] += 1
        return purchase


def _resolve(state: SandboxState, provider: str, order: BuyInput, taken: set[str]) -> Listing:
    if order.item_id:
        listing = state.catalog.by_id(provider, order.item_id)
        if listing is None or not listing.available or order.item_id in taken:
            raise BuyError("skin_unavailable")
        if order.max_price is not None and listing.price > order.max_price:
            raise BuyError("price")
        return listing
    game = canonical_game(provider, order.game)
    if game is None:
        raise BuyError("skin_unavailable")
    any_available, cheapest = state.catalog.cheapest(provider, game, order.name, order.max_price)
    if not any_available:
        raise BuyError("skin_unavailable")
    if cheapest is None:
        raise BuyError("price")
    return cheapest
