"""Importing a provider's price list into Item.

Streamed, upserted in bulk; items no longer listed are marked unavailable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db import transaction
from django.utils import timezone

from ..models import Item
from ..providers import get_provider
from ..providers.base import CatalogEntry
from .apply import jsonable

CHUNK = 2000
PICKED_FIELDS = ["name", "game", "price", "classid", "instanceid", "available", "synced_at"]
CONTENT_FIELDS = ["name", "game", "price", "classid", "instanceid", "raw"]


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
    """Stream the provider's full price list into Item; memory stays flat whatever its size."""
    started = timezone.now()
    report = CatalogReport()
    entries = (e for e in get_provider(provider).price_list(game=game) if e.item_id)
    for chunk in _chunks(entries, CHUNK):
        _upsert(provider, game, chunk, started, report)
        if progress:
            progress(report.seen)
    stale = Item.objects.filter(provider=provider, game=game, available=True).exclude(synced_at__gte=started)
    report.marked_unavailable = stale.update(available=False)
    return report


def _chunks(entries: Iterable[CatalogEntry], size: int) -> Iterator[list[CatalogEntry]]:
    iterator = iter(entries)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _upsert(provider: str, game: str, chunk: list[CatalogEntry], now, report: CatalogReport) -> None:
    """Insert new items, rewrite only the ones whose content changed, stamp the rest as listed."""
    by_id = {entry.item_id: entry for entry in chunk}
    known = {
        i.provider_item_id: i
        for i in Item.objects.filter(provider=provider, provider_item_id__in=list(by_id))
    }
    new, changed, same = [], [], []
    for item_id, entry in by_id.items():
        item = known.get(item_id) or Item(provider=provider, provider_item_id=item_id)
        content = _content(entry, game)
        if item.pk and all(getattr(item, name) == value for name, value in content.items()):
            same.append(item.pk)
            continue
        for name, value in content.items():
            setattr(item, name, value)
        item.available, item.synced_at = True, now  # stamped as listed in the same write
        (changed if item.pk else new).append(item)
    # each row written once: new rows inserted already stamped, changed ones rewritten with their stamp,
    # unchanged ones only stamped
    with transaction.atomic():
        Item.objects.bulk_create(new, batch_size=500)
        Item.objects.bulk_update(changed, [*CONTENT_FIELDS, "available", "synced_at"], batch_size=500)
        Item.objects.filter(pk__in=same).update(available=True, synced_at=now)
    report.seen += len(by_id)
    report.created += len(new)
    report.updated += len(changed)


def _content(entry: CatalogEntry, game: str) -> dict:
    return {
        "name": entry.name[:255],
        "game": game,
        "price": entry.price,
        "classid": entry.classid or "",
        "instanceid": entry.instanceid or "",
        "raw": jsonable(entry.raw),
    }


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
                **{f: e[f] for f in fields},
            )
            for e in entries
        ],
        update_conflicts=True,
        unique_fields=["provider", "provider_item_id"],
        update_fields=PICKED_FIELDS,
    )
    ids = [e["id"] for e in entries]
    pks = dict(
        Item.objects.filter(provider=provider, provider_item_id__in=ids).values_list("provider_item_id", "pk")
    )
    return [pks[i] for i in ids if i in pks]
