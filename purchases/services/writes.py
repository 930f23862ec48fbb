"""Writing a computed Change: always a compare-and-set on the state and provider status it was computed
from, so an answer computed from an older read (a sync answer while a callback landed) never overwrites
what was written meanwhile. A lost race re-reads and judges again (single purchases) or is left to the
next run (the sync), never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Purchase, PurchaseEvent
from ..providers.base import PurchaseInfo
from .apply import Change, compute_change, jsonable
from .audit import log_changes
from .guarded_update import guarded_update

#: a single answer is judged again at most this often when other writers keep winning the race
RACE_ATTEMPTS = 3


def write_change(change: Change, *, now: datetime, raw: dict | None = None, synced: bool = False) -> bool:
    """Write one change and its event together, if the row still has the state it was computed from."""
    fields = dict(change.fields)
    if raw is not None:
        fields["raw"] = jsonable(raw)
    if synced:
        fields["last_synced_at"] = now
    with transaction.atomic():
        written = _guarded(change).update(**fields, updated_at=now)
        if written and change.event is not None:
            change.event.save()
    if written:
        for name, value in fields.items():
            setattr(change.purchase, name, value)
    return bool(written)


def write_changes(
    changes: Sequence[Change], asked_ids: Sequence[int], now: datetime, *, actor=None, release_claim=None
) -> list[Change]:
    """The sync's bulk write: every change as a compare-and-set and a stamp on every purchase asked about,
    in one statement (guarded_update.py), then their events and the LogEntry of a person's Refresh, in one
    transaction. `release_claim`: the caller's lease token, cleared on the rows written. Returns the changes
    that won; the others are skipped."""
    with transaction.atomic():
        won = guarded_update(changes, now, stamp_ids=list(asked_ids), release_claim=release_claim)
        written = [change for change in changes if change.purchase.pk in won]
        events = [c.event for c in written if c.event is not None]
        if events:
            PurchaseEvent.objects.bulk_create(events)
        moved = [c for c in written if c.state_changed]
        log_changes(actor, [(c.purchase.pk, c.purchase.custom_id, _refreshed(c)) for c in moved])
    for change in written:
        for name, value in change.fields.items():
            setattr(change.purchase, name, value)
    return written


def _refreshed(change: Change) -> str:
    return f"Refreshed from the provider: {change.describe()}"


def apply_answer(
    purchase: Purchase, info: PurchaseInfo, *, source: str, actor=None, synced: bool = False
) -> Change | None:
    """Judge one answer about one purchase and write it; on a lost race read the row again and judge
    the answer against what won. Returns the change written (or one asking for a lookup), else None."""
    for _ in range(RACE_ATTEMPTS):
        now = timezone.now()
        change = compute_change(purchase, info, source=source, now=now, actor=actor)
        if change is None or not change.fields:
            return change
        if write_change(change, now=now, raw=info.raw, synced=synced):
            return change
        purchase.refresh_from_db()
    return None


def _guarded(change: Change):
    return Purchase.objects.filter(
        pk=change.purchase.pk, state=change.from_state, provider_status=change.from_status
    )
