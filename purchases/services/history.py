"""Reconciling with the provider's purchase history: update what we have, import what we lack."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from ..models import Purchase, PurchaseEvent, SteamUser
from ..providers import get_provider, status_map
from ..providers.base import PurchaseInfo
from ..status import normalize
from .apply import is_foreign
from .writes import apply_answer


@dataclass
class HistoryReport:
    seen: int = 0
    updated: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    unchanged: int = 0
    foreign: list[str] = field(default_factory=list)  # custom_ids of another provider's purchases: untouched

    def summary(self) -> str:
        return (
            f"{self.seen} in the provider's history: {len(self.updated)} updated, "
            f"{len(self.created)} imported (we did not have them), {self.unchanged} already up to date"
            + (
                f", {len(self.foreign)} naming another provider's purchase, left alone"
                if self.foreign
                else ""
            )
        )


def purchases_import_history(*, provider: str, since: datetime, until: datetime) -> HistoryReport:
    report = HistoryReport()
    for info in get_provider(provider).iter_history(since=since, until=until):
        report.seen += 1
        purchase = _find(provider, info)
        if purchase is None:
            report.created.append(_import(provider, info).custom_id)
            continue
        if is_foreign(purchase, provider):
            report.foreign.append(purchase.custom_id)
            continue
        change = apply_answer(purchase, info, source="command")
        if change is None or not change.fields:
            report.unchanged += 1
            continue
        report.updated.append(change.describe())
    return report


def _find(provider: str, info: PurchaseInfo) -> Purchase | None:
    lookup = Q(pk__in=[])
    if info.custom_id:
        lookup |= Q(custom_id=info.custom_id)
    if info.buy_id:
        lookup |= Q(provider=provider, buy_id=info.buy_id)
    return Purchase.objects.filter(lookup).first()


def _import(provider: str, info: PurchaseInfo) -> Purchase:
    """A purchase the provider has and we lack: kept as imported, with no operator."""
    now = timezone.now()
    state = normalize(
        status_map(provider), info.status, in_hold=info.in_hold, hold_until=info.hold_until, now=now
    )
    user, _ = SteamUser.objects.get_or_create(steam_id=info.steam_id or "76561197960265728")
    amount = info.price or info.balance_debited or Decimal("0.01")
    fields = {
        "provider": provider,
        "buy_id": info.buy_id,
        "steam_user": user,
        "item_name": info.item_name or "?",
        "max_price": amount,
        "price": info.price,
        "balance_debited": info.balance_debited,
        "state": state.state,
        "provider_status": info.status,
        "trade_offer_id": info.trade_offer_id,
        "in_hold": info.in_hold,
        "hold_until": info.hold_until,
        "imported": True,
        "raw": info.raw,
        "created_at": info.date or now,
        "last_synced_at": now,
        "needs_attention": not state.known,
    }
    if info.custom_id:
        fields["custom_id"] = info.custom_id
    purchase = Purchase.objects.create(**fields)
    PurchaseEvent.objects.create(
        purchase=purchase,
        new_state=purchase.state,
        new_provider_status=info.status,
        source="command",
        message="imported from the provider's history",
    )
    return purchase
