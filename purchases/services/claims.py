"""Claiming rows for one worker with a conditional UPDATE, so two workers never take the same purchase.

The UPDATE's WHERE is re-checked by the database under the row lock (PostgreSQL) or the write lock
(SQLite), so of two concurrent claims on one row exactly one succeeds; no read-then-write race.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.sql import UpdateQuery

from ..models import Purchase


def claim(queryset: QuerySet[Purchase], *, now: datetime, lease: timedelta, **updates) -> list[Purchase]:
    """Lease the unclaimed rows of `queryset` (optionally updating fields in the same statement)."""
    token = uuid.uuid4()
    free = queryset.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    values = {"claim_token": token, "claimed_until": now + lease, **updates}
    if connections[free.db].vendor == "postgresql":
        return _claim_returning(free, values)  # one round trip: the UPDATE returns the rows it leased
    if not free.update(**values):
        return []
    mine = Purchase.objects.filter(claim_token=token).select_related("steam_user", "item")
    return list(mine.order_by("pk"))


def _claim_returning(free: QuerySet[Purchase], values: dict) -> list[Purchase]:
    """`UPDATE ... WHERE <the queryset's own conditions> RETURNING *`: the conditions stay in the UPDATE's
    WHERE (never a subquery), so a row another claimer took meanwhile is checked again under its lock and
    skipped, exactly as the plain update does. The Steam user and item are read on first use."""
    query = free.query.chain(UpdateQuery)
    query.add_update_values(values)
    try:
        sql, params = query.get_compiler(free.db).as_sql()
    except EmptyResultSet:  # `pk__in=[]` and the like: nothing to claim, no statement
        return []
    quote = connections[free.db].ops.quote_name
    columns = ", ".join(quote(f.column) for f in Purchase._meta.concrete_fields)
    rows = Purchase.objects.db_manager(free.db).raw(f"{sql} RETURNING {columns}", params)
    return sorted(rows, key=lambda purchase: purchase.pk)


def release(purchases: Iterable[Purchase]) -> None:
    ids = [p.pk for p in purchases]
    if ids:
        # rows a write already released (the sync's one-statement write) are not rewritten
        Purchase.objects.filter(pk__in=ids, claim_token__isnull=False).update(
            claim_token=None, claimed_until=None
        )
