"""Catalog items that exist in the sandbox, and a buy through the real service path."""

from __future__ import annotations

import uuid
from decimal import Decimal

from purchases.models import Item, Purchase
from purchases.services import BuyLine, purchases_create


def sandbox_items(sandbox, count: int, *, provider: str = "skinsback", game: str = "cs2") -> list[Item]:
    catalog = sandbox.state.catalog
    listings = [catalog.listing(provider, game, i) for i in range(count * 2)]
    listings = [listing for listing in listings if listing.available][:count]
    return [
        Item.objects.create(
            provider=provider,
            provider_item_id=str(listing.id),
            name=listing.name,
            game=game,
            price=listing.price,
        )
        for listing in listings
    ]


def buy(user, items, *, actor=None, enqueue=True, provider="skinsback", pay_again=False) -> list[Purchase]:
    lines = [
        BuyLine(
            max_price=(item.price * Decimal("1.5")).quantize(Decimal("0.01")), item=item, pay_again=pay_again
        )
        for item in items
    ]
    result = purchases_create(
        steam_user=user, provider=provider, lines=lines, actor=actor, batch_id=uuid.uuid4(), enqueue=enqueue
    )
    return result.purchases


def states(purchases) -> list[str]:
    return list(
        Purchase.objects.filter(pk__in=[p.pk for p in purchases])
        .order_by("pk")
        .values_list("state", flat=True)
    )


def buys_per_custom_id(sandbox, purchases) -> list[int]:
    return [sandbox.state.buys_recorded[p.custom_id] for p in purchases]
