"""The provider's balance as the buy pages and the create service read it: cached briefly (with when it
was read) so a page and its submit see the same figure, and a provider that does not answer is not asked
on every page view. Never raises: a balance that cannot be read is compared with nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from ..providers import get_provider
from ..providers.base import Balance
from .balance import note_balance

log = logging.getLogger(__name__)

BALANCE_TTL = 30  # seconds a balance answer is used again without asking
BALANCE_FAILED_TTL = 10  # a provider that did not answer is not asked again on every page view
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class BalanceRead:
    balance: Balance | None  # None: not read (unavailable, or not asked)
    read_at: datetime | None = None
    note: str = ""  # why there is no balance

    @property
    def usd(self) -> Decimal | None:
        return self.balance.usd if self.balance is not None else None


def _key(code: str) -> str:
    return f"purchases:buy:balance:{code}"


def read_balance(code: str, *, fetch: bool = True) -> BalanceRead:
    """The cached balance of `code`, or (with `fetch`) the provider's answer now, cached."""
    cached = cache.get(_key(code))
    if isinstance(cached, tuple) and len(cached) == 2:  # (Balance or UNAVAILABLE, read at)
        balance, read_at = cached
        if isinstance(balance, Balance):
            return BalanceRead(balance, read_at)
        return BalanceRead(None, read_at, "balance unavailable")
    if not fetch:
        return BalanceRead(None, note="balance not asked again on this page")
    read_at = timezone.now()
    try:
        balance = get_provider(code, interactive=True).balance()
    except Exception as error:  # shown for information; never blocks a page
        log.warning("balance of %s unavailable: %s", code, error)
        cache.set(_key(code), (UNAVAILABLE, read_at), BALANCE_FAILED_TTL)
        return BalanceRead(None, read_at, "balance unavailable")
    remember_balance(code, balance, read_at)
    note_balance(provider=code, usd=balance.usd)  # the low-balance alert sees every fresh read
    return BalanceRead(balance, read_at)


def remember_balance(code: str, balance: Balance, read_at: datetime | None = None) -> None:
    """Keep an answer of `code`'s balance for BALANCE_TTL (a page and its submit see the same figure)."""
    cache.set(_key(code), (balance, read_at or timezone.now()), BALANCE_TTL)


def forget_balance(code: str) -> None:
    cache.delete(_key(code))


def usd_balance(code: str) -> Decimal | None:
    """The USD balance to compare a batch with (None: unknown, so compared with nothing)."""
    return read_balance(code).usd
