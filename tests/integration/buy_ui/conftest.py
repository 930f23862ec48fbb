"""Fixtures of the buy pages: a fake provider for the reads, guards that prove nothing was sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

import pytest

from purchases.providers.base import Balance, CatalogEntry, ProviderError


@dataclass
class FakeProvider:
    """Stands in for `get_provider()` in the admin's reads (balance, search); records every call."""

    balance_amount: Decimal | None = Decimal("1234.50")
    balance_error: Exception | None = None
    search_result: list[CatalogEntry] = field(default_factory=list)
    search_error: Exception | None = None
    calls: list[tuple] = field(default_factory=list)

    def __call__(self, code=None, **options):
        self.calls.append(("get_provider", code))
        return self

    def balance(self) -> Balance:
        self.calls.append(("balance",))
        if self.balance_error:
            raise self.balance_error
        return Balance(amount=self.balance_amount)

    def search(self, *, name: str, game: str) -> list[CatalogEntry]:
        self.calls.append(("search", name, game))
        if self.search_error:
            raise self.search_error
        return self.search_result

    @property
    def reads(self) -> list[tuple]:
        return [c for c in self.calls if c[0] != "get_provider"]


@pytest.fixture
def fake_provider(monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr("purchases.admin.market.get_provider", fake)
    return fake


@pytest.fixture
def enqueue(monkeypatch):
    """The buy tasks the confirmation would enqueue (after commit), instead of enqueueing them."""
    spy = mock.Mock(return_value=1)
    monkeypatch.setattr("purchases.services.create.enqueue_buys", spy)
    return spy


def provider_error(text: str = "under maintenance") -> ProviderError:
    from purchases.providers.base import Unavailable

    return Unavailable(text, provider="skinsback", code=-6)
