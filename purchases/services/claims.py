"""Claiming rows for one worker with a conditional UPDATE, so two workers never take the same purchase.

The UPDATE's WHERE is re-checked by the database under the row lock (PostgreSQL) or the write lock
(SQLite), so of two concurrent claims on one row exactly one succeeds; no read-then-write race.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from ..models import Purchase


def claim(queryset: QuerySet[Purchase], *, now: datetime, lease: timedelta, **updates) -> list[Purchase]:
    """Lease the unclaimed rows of `queryset` (optionally updating fields in the same statement)."""
    token = uuid.uuid4()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    claimed = queryset.filter(free).update(claim_token=token, claimed_until=now + lease, **updates)
    if not claimed:
        return []
    mine = Purchase.objects.filter(claim_token=token).select_related("steam_user", "item")
    return list(mine.order_by("pk"))


def release(purchases: Iterable[Purchase]) -> None:
    ids = [p.pk for p in purchases]
    if ids:
        # rows a write already released (the sync's one-statement write) are not rewritten
        Purchase.objects.filter(pk__in=ids, claim_token__isnull=False).update(
            claim_token=None, claimed_until=None
        )
