"""Fixtures of the support tooling tests: clients per role that can be used side by side, a fake provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from purchases.providers.base import Balance, ServerStatus


@dataclass
class FakeHealthProvider:
    """Stands in for get_provider() on the dashboard: balance, server status, and the calls made."""

    amount: Decimal = Decimal("1234.5600")
    error: Exception | None = None
    calls: list[str] = field(default_factory=list)

    def __call__(self, code=None, **options):
        self.calls.append(f"get_provider:{code}")
        if isinstance(self.error, ValueError):
            raise self.error
        return self

    def balance(self) -> Balance:
        self.calls.append("balance")
        if self.error:
            raise self.error
        return Balance(amount=self.amount)

    def server_status(self) -> ServerStatus:
        self.calls.append("server_status")
        return ServerStatus(available=True)


@pytest.fixture
def fake_health(monkeypatch, settings) -> FakeHealthProvider:
    fake = FakeHealthProvider()
    monkeypatch.setattr("purchases.dashboard.get_provider", fake)
    return fake


@pytest.fixture(autouse=True)
def _fresh_cache(clean_cache):
    """Every test here starts with an empty cache (the root conftest's `clean_cache`)."""
