"""Where a skin is listed and at what price: the cheapest listing on sale at each provider, from the catalog
(issue 22's first piece: the item page's "also listed at"; the confirmation's routing will read the same).

One query on the `skin` index (purchases/skins.py), bounded; prices are the catalog's, with when they were
read: re-reading them is the confirmation's job (services/recheck.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .models import Item, ProviderCode

LISTINGS_READ = 500  # listings of one skin read at most (a provider may list one skin many times)


@dataclass(frozen=True)
class Quote:
    provider: str
    item: Item  # the cheapest listing on sale at this provider

    @property
    def label(self) -> str:
        return ProviderCode(self.provider).label

    @property
    def price(self) -> Decimal:
        return self.item.price

    @property
    def read_at(self) -> datetime | None:
        return self.item.synced_at


def quotes(skin: str) -> list[Quote]:
    """The cheapest listing on sale of `skin` at each provider, cheapest first."""
    if not skin:
        return []
    rows = (
        Item.objects.filter(skin=skin, available=True, price__isnull=False)
        .only("pk", "provider", "provider_item_id", "name", "game", "price", "synced_at", "skin")
        .order_by("price", "pk")[:LISTINGS_READ]
    )
    cheapest: dict[str, Quote] = {}
    for item in rows:
        cheapest.setdefault(item.provider, Quote(item.provider, item))
    return list(cheapest.values())


def listed_elsewhere(item: Item) -> list[Quote]:
    """The same skin at the other providers (the item page's "also listed at")."""
    return [quote for quote in quotes(item.skin) if quote.provider != item.provider]
