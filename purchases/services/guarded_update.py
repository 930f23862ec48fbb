"""Many compare-and-set writes, and the sync's stamp on every purchase asked about, in one statement
(PostgreSQL). Each change is written only if its purchase still has the state and provider status it was
computed from, exactly as one guarded UPDATE per purchase would, but in one round trip:

    UPDATE purchases_purchase AS p
       SET state = CASE WHEN v.set_state THEN v.v_state ELSE p.state END, ...,
           last_synced_at = %s, updated_at = %s
      FROM (VALUES (%s::bigint, %s::boolean, %s::varchar, %s::varchar, %s::boolean, %s::varchar, ...), ...)
           AS v (id, guard, from_state, from_status, set_state, v_state, ...)
     WHERE p.id = v.id AND (NOT v.guard OR (p.state = v.from_state AND p.provider_status = v.from_status))
    RETURNING p.id, v.guard

Each change may set different fields: a column a change does not set keeps its value (`set_<column>` is
false for it). A purchase asked about without a change is a row with `guard` false and nothing to set: it
only gets the stamp. A change that lost the race is not written, so its stamp is written by a second,
plain UPDATE of those rows only (rare). Other databases (SQLite: development) run one guarded UPDATE per
change and one stamp UPDATE.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connections, router

from ..models import Purchase


def guarded_update(
    changes: Sequence[Any], now: datetime, stamp_ids: Sequence[int] = (), release_claim=None
) -> set[int]:
    """Write each change if its purchase still has (from_state, from_status) and stamp `last_synced_at`
    on every purchase of `stamp_ids` (when given); on PostgreSQL also end the lease `release_claim` (a
    claim token) on the rows written. Returns the ids of the changes written."""
    connection = connections[router.db_for_write(Purchase)]
    pks = [change.purchase.pk for change in changes]
    if connection.vendor != "postgresql" or len(set(pks)) != len(pks):
        won = {c.purchase.pk for c in changes if _one(c, now)}
        if stamp_ids:
            Purchase.objects.filter(pk__in=list(stamp_ids)).update(last_synced_at=now)
        return won
    only_stamped = [pk for pk in dict.fromkeys(stamp_ids) if pk not in set(pks)]
    if not changes and not only_stamped:
        return set()
    sql, params = _statement(connection, changes, only_stamped, now, stamp=bool(stamp_ids))
    if release_claim is not None:
        sql, params = _releasing(sql, params, release_claim)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    won = {pk for pk, guarded in rows if guarded}
    lost = [pk for pk in pks if pk not in won]
    if stamp_ids and lost:  # the stamp does not depend on the race
        Purchase.objects.filter(pk__in=lost).update(last_synced_at=now)
    return won


def _releasing(sql: str, params: list, token) -> tuple[str, list]:
    """The same statement, also clearing the lease of `token` (the old claim_token is read by both)."""
    ours = "p.claim_token = %s::uuid"
    release = (
        f"claim_token = CASE WHEN {ours} THEN NULL ELSE p.claim_token END, "
        f"claimed_until = CASE WHEN {ours} THEN NULL ELSE p.claimed_until END, "
    )
    head, tail = sql.split(" SET ", 1)
    return f"{head} SET {release}{tail}", [token, token, *params]


def _one(change: Any, now: datetime) -> int:
    guarded = Purchase.objects.filter(
        pk=change.purchase.pk, state=change.from_state, provider_status=change.from_status
    )
    return guarded.update(**change.fields, updated_at=now)


def _statement(connection, changes, only_stamped: list[int], now: datetime, *, stamp: bool):
    skip = {"last_synced_at"} if stamp else set()
    names = sorted({name for change in changes for name in change.fields} - skip)
    fields = [Purchase._meta.get_field(name) for name in names]
    status_type = Purchase._meta.get_field("provider_status").db_type(connection)
    state_type = Purchase._meta.get_field("state").db_type(connection)
    casts = ["%s::bigint", "%s::boolean", f"%s::{state_type}", f"%s::{status_type}"]
    casts += [cast for f in fields for cast in ("%s::boolean", f"%s::{f.db_type(connection)}")]
    params: list = []
    for change in changes:
        params += [change.purchase.pk, True, change.from_state, change.from_status]
        for field in fields:
            value = change.fields.get(field.name)
            params += [field.name in change.fields, field.get_db_prep_save(value, connection)]
    for pk in only_stamped:
        params += [pk, False, None, None, *([False, None] * len(fields))]
    rows = ", ".join(["(" + ", ".join(casts) + ")"] * (len(changes) + len(only_stamped)))
    return _sql(connection, fields, rows, stamp), [now, *([now] if stamp else []), *params]


def _sql(connection, fields, rows: str, stamp: bool) -> str:
    quote = connection.ops.quote_name
    columns = ["id", "guard", "from_state", "from_status"]
    columns += [name for f in fields for name in (f"set_{f.column}", f"v_{f.column}")]
    sets = [f"{quote('updated_at')} = %s", *([f"{quote('last_synced_at')} = %s"] if stamp else [])]
    sets += [
        f"{quote(f.column)} = CASE WHEN v.set_{f.column} THEN v.v_{f.column} ELSE p.{quote(f.column)} END"
        for f in fields
    ]
    return (
        f"UPDATE {quote(Purchase._meta.db_table)} AS p SET {', '.join(sets)} "  # noqa: S608  (model names)
        f"FROM (VALUES {rows}) AS v ({', '.join(columns)}) WHERE p.id = v.id AND (NOT v.guard OR "
        "(p.state = v.from_state AND p.provider_status = v.from_status)) RETURNING p.id, v.guard"
    )
