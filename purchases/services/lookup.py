"""Asking the provider about known purchases in batches and applying the answers in bulk.

One request carries up to `max_lookup_size` ids: by buy_id when we have it, else by custom_id (a purchase
whose buy answer was lost has only its custom_id). Only what changed is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..models import Purchase, PurchaseEvent
from ..providers import get_provider
from ..providers.base import NotFound, Provider, PurchaseInfo
from ..status import State
from .apply import Change, compute_change

NEVER_REACHED = "never reached the provider"
UNKNOWN_TO_PROVIDER = "The provider does not know this purchase"


@dataclass
class LookupReport:
    refreshed: int = 0
    requests: int = 0
    changes: list[str] = field(default_factory=list)
    changed: list[tuple[int, str]] = field(default_factory=list)  # (pk, custom_id), in `changes` order
    not_found: list[str] = field(default_factory=list)

    def merge(self, other: LookupReport) -> None:
        self.refreshed += other.refreshed
        self.requests += other.requests
        self.changes += other.changes
        self.changed += other.changed
        self.not_found += other.not_found


def purchases_resolve(
    *, purchases: Sequence[Purchase], source: str, actor=None, dry_run: bool = False
) -> LookupReport:
    """Refresh these purchases from their provider (all of one provider or mixed), in batches."""
    report = LookupReport()
    by_provider: dict[str, list[Purchase]] = {}
    for purchase in purchases:
        by_provider.setdefault(purchase.provider, []).append(purchase)
    for code, group in by_provider.items():
        provider = get_provider(code)
        size = provider.max_lookup_size
        for start in range(0, len(group), size):
            chunk = group[start : start + size]
            report.merge(lookup_batch(provider, chunk, source=source, actor=actor, dry_run=dry_run))
    return report


def lookup_batch(
    provider: Provider, purchases: Sequence[Purchase], *, source: str, actor=None, dry_run: bool = False
) -> LookupReport:
    """At most two requests (buy_ids, custom_ids) for up to max_lookup_size purchases of one provider."""
    report = LookupReport(refreshed=len(purchases))
    with_buy_id = [p for p in purchases if p.buy_id]
    without = [p for p in purchases if not p.buy_id]
    answers: list[PurchaseInfo] = []
    if with_buy_id:
        answers += _ask(provider, buy_ids=[p.buy_id for p in with_buy_id])
        report.requests += 1
    if without:
        answers += _ask(provider, custom_ids=[p.custom_id for p in without])
        report.requests += 1
    now = timezone.now()
    changes, missing = _match(purchases, answers, source=source, actor=actor, now=now)
    changes += [c for c in (_not_found_change(p, provider, now, source) for p in missing) if c]
    moved = [c for c in changes if c.state_changed]
    report.changes = [c.describe() for c in moved]
    report.changed = [(c.purchase.pk, c.purchase.custom_id) for c in moved]
    report.not_found = [p.custom_id for p in missing]
    if not dry_run:
        write_changes(changes, [p.pk for p in purchases], now)
    return report


def _ask(provider: Provider, **ids: list[str]) -> list[PurchaseInfo]:
    try:
        return provider.get_purchases(**ids)
    except NotFound:
        return []  # a single unknown id answers offer_not_found; a list simply omits it


def _match(purchases, answers, *, source, actor, now) -> tuple[list[Change], list[Purchase]]:
    by_buy_id = {a.buy_id: a for a in answers if a.buy_id}
    by_custom_id = {a.custom_id: a for a in answers if a.custom_id}
    changes: list[Change] = []
    missing: list[Purchase] = []
    for purchase in purchases:
        info = by_buy_id.get(purchase.buy_id) if purchase.buy_id else None
        info = info or by_custom_id.get(purchase.custom_id)
        if info is None:
            missing.append(purchase)
            continue
        change = compute_change(purchase, info, source=source, now=now, actor=actor)
        if change is not None:
            change.fields["raw"] = info.raw
            changes.append(change)
    return changes, missing


def _not_found_change(purchase: Purchase, provider: Provider, now: datetime, source: str) -> Change | None:
    """Unconfirmed and older than the offer window: it never arrived. Anything else: flag, never change."""
    window = timedelta(minutes=provider.offer_window_minutes)
    sent = purchase.sent_at or purchase.created_at
    if purchase.state == State.UNCONFIRMED and sent < now - window:
        fields = {"state": State.REJECTED, "error_reason": NEVER_REACHED, "needs_attention": False}
        event = PurchaseEvent(
            purchase=purchase, at=now, old_state=purchase.state, new_state=State.REJECTED,
            source=source, message=NEVER_REACHED,
        )  # fmt: skip
        return Change(purchase=purchase, fields=fields, event=event)
    if purchase.state == State.UNCONFIRMED or purchase.needs_attention:
        return None  # still inside the window, or already flagged
    fields = {"needs_attention": True, "attention_reason": UNKNOWN_TO_PROVIDER}
    return Change(purchase=purchase, fields=fields)


def write_changes(changes: list[Change], asked_ids: list[int], now: datetime) -> None:
    """Write each purchase's changed fields (and nothing else), the events, and stamp every asked one.

    One UPDATE per changed purchase inside one transaction: cheaper than bulk_update's CASE per field,
    and no purchase gets other fields rewritten from a stale copy.
    """
    events = [c.event for c in changes if c.event is not None]
    with transaction.atomic():
        for change in changes:
            for name, value in change.fields.items():
                setattr(change.purchase, name, value)
            Purchase.objects.filter(pk=change.purchase.pk).update(**change.fields, updated_at=now)
        if events:
            PurchaseEvent.objects.bulk_create(events)
        Purchase.objects.filter(pk__in=asked_ids).update(last_synced_at=now)
