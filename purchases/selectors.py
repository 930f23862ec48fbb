"""Read queries: open purchases, lookups, timelines."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Purchase, PurchaseEvent
from .status import OPEN_STATES


def open_purchases() -> QuerySet[Purchase]:
    return Purchase.objects.filter(state__in=OPEN_STATES)


def find_purchase(identifier: str) -> Purchase | None:
    """A purchase by any of its exact identifiers, custom_id first."""
    term = identifier.strip()
    if not term:
        return None
    for field in ("custom_id", "buy_id", "trade_offer_id"):
        purchase = Purchase.objects.select_related("steam_user").filter(**{field: term}).first()
        if purchase is not None:
            return purchase
    return None


def purchase_timeline(purchase: Purchase) -> list[PurchaseEvent]:
    return list(PurchaseEvent.objects.filter(purchase=purchase).select_related("actor").order_by("at", "id"))
