"""The vendor's Steam user, made-up inventory items, a clean cache. The fake provider is the root conftest's
`fake_provider` (tests/fakes.py); it answers `inventory()` with the vendor's example by default."""

from __future__ import annotations

from decimal import Decimal

import pytest

from purchases.providers.base import InventoryItem
from tests.factories import make_user
from tests.integration.services.evidence import mocked_providers

VENDOR_STEAM_ID = "76561198050648523"


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
def steam_user(db):
    return make_user(steam_id=VENDOR_STEAM_ID, display_name="Gabe Example")


@pytest.fixture
def api(settings):
    """The real SkinsBack and Skinify clients, their HTTP answered by `responses` (no retries): the same
    set-up as the services tests' `api` (tests/integration/services/evidence.py)."""
    with mocked_providers(settings) as mock:
        yield mock
