"""Read queries: open purchases, lookups, timelines."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Purchase, PurchaseEvent
from .status import OPEN_STATES, State

# the longest provider offer window (SkinsBack: 10 minutes) plus a margin for the trade to settle
STUCK_AFTER = timedelta(minutes=30)
PENDING_STUCK_AFTER = timedelta(minutes=5)


def open_purchases() -> QuerySet[Purchase]:
    return Purchase.objects.filter(state__in=OPEN_STATES)


def attention_q(now: datetime | None = None) -> Q:
    """Flagged, unconfirmed, or open for longer than any trade offer can stay open."""
    now = now or timezone.now()
    return (
        Q(needs_attention=True)
        | Q(state=State.UNCONFIRMED)
        | Q(state=State.IN_PROGRESS, created_at__lt=now - STUCK_AFTER)
        | Q(state=State.PENDING, created_at__lt=now - PENDING_STUCK_AFTER)
    )


def needing_attention() -> QuerySet[Purchase]:
    return Purchase.objects.filter(attention_q())


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
