"""Many compare-and-set writes in one statement (PostgreSQL): each purchase is updated only if it still has
the state and provider status its change was computed from, exactly as one guarded UPDATE per purchase
would, but in one round trip:

    UPDATE purchases_purchase AS p
       SET state = CASE WHEN v.set_state THEN v.state ELSE p.state END, ..., updated_at = %s
      FROM (VALUES (%s::bigint, %s::varchar, %s::varchar, %s::boolean, %s::varchar, ...), ...)
           AS v (id, from_state, from_status, set_state, state, ...)
     WHERE p.id = v.id AND p.state = v.from_state AND p.provider_status = v.from_status
    RETURNING p.id

Each change may set different fields: a column a change does not set keeps its value (`set_<column>` is
false for it). Other databases (SQLite: development) run one guarded UPDATE per change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connections, router

from ..models import Purchase


def guarded_update(changes: Sequence[Any], now: datetime) -> set[int]:
    """Write each change's fields if its purchase still has (from_state, from_status); the ids written."""
    connection = connections[router.db_for_write(Purchase)]
    pks = [change.purchase.pk for change in changes]
    if not changes:
        return set()
    if connection.vendor != "postgresql" or len(set(pks)) != len(pks):
        return {c.purchase.pk for c in changes if _one(c, now)}
    names = sorted({name for change in changes for name in change.fields})
    sql, params = _statement(connection, changes, names, now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _one(change: Any, now: datetime) -> int:
    guarded = Purchase.objects.filter(
        pk=change.purchase.pk, state=change.from_state, provider_status=change.from_status
    )
    return guarded.update(**change.fields, updated_at=now)


def _statement(connection, changes: Sequence[Any], names: list[str], now: datetime) -> tuple[str, list]:
    quote = connection.ops.quote_name
    fields = [Purchase._meta.get_field(name) for name in names]
    status_type = Purchase._meta.get_field("provider_status").db_type(connection)
    state_type = Purchase._meta.get_field("state").db_type(connection)
    casts = ["%s::bigint", f"%s::{state_type}", f"%s::{status_type}"]
    casts += [cast for f in fields for cast in ("%s::boolean", f"%s::{f.db_type(connection)}")]
    row = "(" + ", ".join(casts) + ")"
    params: list = []
    for change in changes:
        params += [change.purchase.pk, change.from_state, change.from_status]
        for field in fields:
            value = change.fields.get(field.name)
            params += [field.name in change.fields, field.get_db_prep_save(value, connection)]
    columns = ["id", "from_state", "from_status"]
    columns += [name for f in fields for name in (f"set_{f.column}", f"v_{f.column}")]
    sets = [
        f"{quote(f.column)} = CASE WHEN v.set_{f.column} THEN v.v_{f.column} ELSE p.{quote(f.column)} END"
        for f in fields
    ]
    sets.append(f"{quote('updated_at')} = %s")
    table = quote(Purchase._meta.db_table)
    sql = (
        f"UPDATE {table} AS p SET {', '.join(sets)} "  # noqa: S608  (names from the model, values as params)
        f"FROM (VALUES {', '.join([row] * len(changes))}) AS v ({', '.join(columns)}) "
        "WHERE p.id = v.id AND p.state = v.from_state AND p.provider_status = v.from_status RETURNING p.id"
    )
    return sql, [now, *params]  # updated_at comes first in the text
