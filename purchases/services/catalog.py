"""Importing a provider's price list into Item.

Streamed, upserted in bulk; items no longer listed are marked unavailable.

Every listed row is written once per import, in raw SQL per chunk of the list (no Model instances): the chunk
travels as one JSON parameter (no placeholder per value, no limit on their number), `raw` as the very text
Django stores for a JSONField (`json.dumps`; cast to jsonb on PostgreSQL), the price as its Decimal's text.

- PostgreSQL, one statement per chunk: `INSERT ... ON CONFLICT (provider, provider_item_id) DO UPDATE` inserts
  the new rows and rewrites the known ones (content and the "listed" stamp in the same write), and a CTE reads
  the known rows' content before the write (the statement's snapshot) to count the changed ones.
- SQLite (no data-modifying CTE), two statements per chunk: the same upsert with `WHERE <content differs>`
  writes the new and the changed rows, `RETURNING` them; then one `UPDATE` stamps the listed rows it left
  alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..models import Item
from ..providers import get_provider
from ..providers.base import CatalogEntry
from ..skins import skin_key

CHUNK = 5000
PICKED_FIELDS = ["name", "game", "price", "classid", "instanceid", "available", "synced_at"]


@dataclass
class CatalogReport:
    seen: int = 0
    created: int = 0
    updated: int = 0
    marked_unavailable: int = 0

    def summary(self) -> str:
        return (
            f"{self.seen} listed: {self.created} new, {self.updated} changed, "
            f"{self.marked_unavailable} no longer listed (marked unavailable)"
        )


def catalog_sync(*, provider: str, game: str, progress: Callable[[int], None] | None = None) -> CatalogReport:
    """Stream the provider's full price list into Item; memory stays flat whatever its size (a chunk of
    rows at a time, each listing turned into its row as it arrives)."""
    started = timezone.now()
    report = CatalogReport()
    writer = _Writer(provider, game, started)
    rows: dict[str, list] = {}
    for entry in get_provider(provider).price_list(game=game):
        if not entry.item_id:
            continue
        # one row per id, the last listing wins (a statement may not upsert the same row twice)
        rows[entry.item_id] = _row(entry, game)
        if len(rows) == CHUNK:
            writer.write(rows, report)
            rows = {}
            if progress:
                progress(report.seen)
    if rows:
        writer.write(rows, report)
        if progress:
            progress(report.seen)
    stale = Item.objects.filter(provider=provider, game=game, available=True).exclude(synced_at__gte=started)
    report.marked_unavailable = stale.update(available=False)
    return report


class _Writer:
    """Writes the chunks of one import, in the dialect of the connection (PostgreSQL or SQLite)."""

    def __init__(self, provider: str, game: str, now: datetime) -> None:
        self.provider, self.game = provider, game
        self.stamp = connection.ops.adapt_datetimefield_value(now)
        self.postgres = connection.vendor == "postgresql"
        price = Item._meta.get_field("price")
        names = {
            "table": connection.ops.quote_name(Item._meta.db_table),
            "numeric": f"numeric({price.max_digits}, {price.decimal_places})",
        }
        self.upsert_sql = (_UPSERT_POSTGRES if self.postgres else _UPSERT_SQLITE).format(**names)
        self.stamp_sql = _STAMP_SQLITE.format(**names)
        self.last_id_sql = _LAST_ID_SQLITE.format(**names)

    def write(self, rows: dict[str, list], report: CatalogReport) -> None:
        """Write a chunk: `_row`s by provider item id."""
        listed = json.dumps(list(rows.values()), ensure_ascii=False)
        with transaction.atomic(), connection.cursor() as cursor:
            if self.postgres:
                created, changed = self._postgres(cursor, listed, len(rows))
            else:
                created, changed = self._sqlite(cursor, listed, rows)
        report.seen += len(rows)
        report.created += created
        report.updated += changed

    def _postgres(self, cursor: Any, listed: str, size: int) -> tuple[int, int]:
        params = {"provider": self.provider, "game": self.game, "now": self.stamp, "listed": listed}
        cursor.execute(self.upsert_sql, params)
        known, changed = cursor.fetchone()
        return size - known, changed

    def _sqlite(self, cursor: Any, listed: str, rows: dict[str, list]) -> tuple[int, int]:
        # no xmax in SQLite: a row is new when its id is above every id before the statement (an
        # AUTOINCREMENT key; one writer at a time, the transaction took the write lock up front)
        cursor.execute(self.last_id_sql)
        last_id = cursor.fetchone()[0] or 0
        cursor.execute(self.upsert_sql, [self.provider, self.game, self.stamp, listed])
        written = cursor.fetchall()  # (provider_item_id, id) of the rows inserted or changed
        created = sum(1 for _, pk in written if pk > last_id)
        unchanged = set(rows).difference(item_id for item_id, _ in written)
        if unchanged:  # listed, content unchanged: stamped only
            cursor.execute(self.stamp_sql, [self.stamp, self.provider, json.dumps(list(unchanged))])
        return created, len(written) - created


def _row(entry: CatalogEntry, game: str) -> list:
    """[id, name, price, classid, instanceid, raw, skin]: the price as its Decimal's text (exact), `raw` as
    the text Django writes for a JSONField (json.dumps; a Decimal in it as its text, like `jsonable`), the
    skin key as Item.save would set it."""
    name = entry.name[:255]
    return [
        entry.item_id,
        name,
        str(entry.price),
        entry.classid or "",
        entry.instanceid or "",
        _dumps(entry.raw),
        skin_key(name, game),
    ]


_dumps = json.JSONEncoder(default=str).encode  # json.dumps(value, default=str), the encoder made once

# {table} and {numeric} are the model's; `listed` is the JSON array of `_row`s
_UPSERT_POSTGRES = """
WITH listed AS (
    SELECT e->>0 AS provider_item_id, e->>1 AS name, (e->>2)::{numeric} AS price, e->>3 AS classid,
           e->>4 AS instanceid, (e->>5)::jsonb AS raw, e->>6 AS skin
    FROM jsonb_array_elements(%(listed)s::jsonb) AS e
), known AS (
    SELECT (i.name, i.game, i.price, i.classid, i.instanceid, i.raw)
           IS DISTINCT FROM (l.name, %(game)s, l.price, l.classid, l.instanceid, l.raw) AS changed
    FROM {table} AS i JOIN listed AS l
         ON i.provider = %(provider)s AND i.provider_item_id = l.provider_item_id
), written AS (  -- runs to completion though the query does not read it
    INSERT INTO {table} AS i
        (provider, game, available, synced_at, provider_item_id, name, price, classid, instanceid, raw, skin)
    SELECT %(provider)s, %(game)s, TRUE, %(now)s, l.* FROM listed AS l
    ON CONFLICT (provider, provider_item_id) DO UPDATE SET
        name = excluded.name, game = excluded.game, price = excluded.price, classid = excluded.classid,
        instanceid = excluded.instanceid, raw = excluded.raw, available = TRUE,
        synced_at = excluded.synced_at, skin = excluded.skin
)
SELECT (SELECT count(*) FROM known), (SELECT count(*) FROM known WHERE changed)
"""
# `WHERE true` keeps SQLite's parser from reading ON CONFLICT as the ON of a join
_UPSERT_SQLITE = """
INSERT INTO {table} AS i
    (provider, game, available, synced_at, provider_item_id, name, price, classid, instanceid, raw, skin)
SELECT %s, %s, 1, %s, json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]'),
       json_extract(e.value, '$[2]'), json_extract(e.value, '$[3]'), json_extract(e.value, '$[4]'),
       json_extract(e.value, '$[5]'), json_extract(e.value, '$[6]')
FROM json_each(%s) AS e WHERE true
ON CONFLICT (provider, provider_item_id) DO UPDATE SET
    name = excluded.name, game = excluded.game, price = excluded.price, classid = excluded.classid,
    instanceid = excluded.instanceid, raw = excluded.raw, available = 1, synced_at = excluded.synced_at,
    skin = excluded.skin
WHERE (i.name, i.game, i.price, i.classid, i.instanceid, i.raw, i.skin) IS NOT
      (excluded.name, excluded.game, excluded.price, excluded.classid, excluded.instanceid, excluded.raw,
       excluded.skin)
RETURNING provider_item_id, id
"""
_STAMP_SQLITE = """
UPDATE {table} SET available = 1, synced_at = %s
WHERE provider = %s AND provider_item_id IN (SELECT value FROM json_each(%s))
"""
_LAST_ID_SQLITE = "SELECT MAX(id) FROM {table}"


def items_refresh(*, items: list[Item]) -> int:
    """Refresh the price and availability of a few catalog items through the provider's search."""
    refreshed = 0
    for (provider, game), group in _group(items).items():
        client = get_provider(provider)
        for item in group:
            found = {e.item_id: e for e in client.search(name=item.name, game=game)}
            entry = found.get(item.provider_item_id)
            item.available = entry is not None
            if entry is not None:
                item.price = entry.price
            item.synced_at = timezone.now()
            refreshed += 1
        Item.objects.bulk_update(group, ["price", "available", "synced_at"])
    return refreshed


def _group(items: list[Item]) -> dict[tuple[str, str], list[Item]]:
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault((item.provider, item.game), []).append(item)
    return groups


def items_upsert(*, provider: str, entries: list[dict]) -> list[int]:
    """Picked search results become (or refresh) catalog Items so the purchases link to them."""
    now = timezone.now()
    fields = ("name", "game", "price", "classid", "instanceid")
    Item.objects.bulk_create(
        [
            Item(
                provider=provider,
                provider_item_id=e["id"],
                available=True,
                synced_at=now,
                skin=skin_key(e["name"], e["game"]),
                **{f: e[f] for f in fields},
            )
            for e in entries
        ],
        update_conflicts=True,
        unique_fields=["provider", "provider_item_id"],
        update_fields=[*PICKED_FIELDS, "skin"],
    )
    ids = [e["id"] for e in entries]
    pks = dict(
        Item.objects.filter(provider=provider, provider_item_id__in=ids).values_list("provider_item_id", "pk")
    )
    return [pks[i] for i in ids if i in pks]
