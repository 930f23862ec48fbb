"""A fake provider in place of the real clients, the vendor's example inventory, a clean cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from purchases.providers import skinsback_parse
from purchases.providers.base import Inventory, InventoryItem, Provider
from tests.factories import make_user
from tests.fixtures import vendor

VENDOR_STEAM_ID = "76561198050648523"


@dataclass
class FakeProvider(Provider):
    """Answers `inventory()` with `answer` (or raises `error`) and remembers every call."""

    code: str = "skinsback"
    answer: Inventory | None = None
    error: BaseException | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # which provider the service asked for

    def inventory(self, **kwargs: Any) -> Inventory:
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error
        assert self.answer is not None
        return self.answer


def vendor_inventory() -> Inventory:
    """The vendor page's example (17 items, 4 disabled, rub), parsed by the real SkinsBack parser."""
    return skinsback_parse.inventory(vendor.load("skinsback_user_inventory"))


def fake_items(count: int, *, disabled_every: int = 4) -> list[InventoryItem]:
    return [
        InventoryItem(
            asset_id=str(1000 + n),
            name=f"Skin {n:04d}",
            price=Decimal(n % 50) + Decimal("0.07"),
            price_local=Decimal(n % 50) * 90 + Decimal("6.49"),
            multiplied_price_local=Decimal(n % 50) * 180 + Decimal("12.98"),
            disabled=n % disabled_every == 0,
            icon_url=f"icon{n}",
        )
        for n in range(count)
    ]


@pytest.fixture(autouse=True)
def _clean_cache(clean_cache):
    """Every test here starts with an empty cache (the root conftest's `clean_cache`)."""


@pytest.fixture
def fake_provider(monkeypatch) -> FakeProvider:
    provider = FakeProvider(answer=vendor_inventory())

    def get_provider(code: str) -> FakeProvider:
        provider.codes.append(code)
        return provider

    monkeypatch.setattr("inventory.services.get_provider", get_provider)
    return provider


@pytest.fixture
def steam_user(db):
    return make_user(steam_id=VENDOR_STEAM_ID, display_name="Gabe Example")
