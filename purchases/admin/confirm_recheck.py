"""The confirmation's re-read of stale prices when its lines come from several providers (issue 22): the
chosen listings first, then the ones a line may be switched to, at every provider involved.

services/recheck.items_recheck reads one provider's items; here the reads of every provider run as one
set, through its own `_within_limits`, so a page keeps the caps it has (at most MAX_READS requests, none
started after BUDGET seconds, PARALLEL at once) whatever the number of providers. The answers are stored
as items_recheck stores them. (This belongs in services/recheck.py, next to items_recheck: its owner may
move it there.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from ..models import Item
from ..providers import get_provider
from ..routing import label
from ..services import recheck as base
from ..services.recheck import Recheck, stale_items


@dataclass
class PageRecheck(Recheck):
    """A Recheck over several providers: which were asked, and which one did not answer."""

    providers: list[str] = field(default_factory=list)
    failed: str = ""

    @property
    def label(self) -> str:
        return " and ".join(label(code) for code in self.providers)

    @property
    def failed_label(self) -> str:
        return label(self.failed) if self.failed else self.label


def recheck_page(items: list[Item]) -> PageRecheck:
    """Re-read the stale ones of `items` (in the order given: the chosen listings first) at their providers
    and store the answers; never raises (a provider that does not answer is the report's error)."""
    stale = stale_items(items)
    if not stale:
        return PageRecheck()
    now = timezone.now()
    providers = list(dict.fromkeys(item.provider for item in stale))
    reads, failed, error = [], [], ""
    for code in providers:
        try:
            client = get_provider(code, interactive=True)
        except Exception as problem:  # a misconfigured provider: said, the others are still read
            error, failed = error or str(problem), failed or [code]
            continue
        group = [item for item in stale if item.provider == code]
        reads += [(order, _said(code, read, failed)) for order, read in _reads(client, group, stale)]
    found, read_error = base._within_limits([read for _, read in sorted(reads, key=lambda pair: pair[0])])
    report = PageRecheck(read_at=now, error=error or read_error, unread=len(stale) - len(found))
    report.providers, report.failed = providers, failed[0] if failed else ""
    read = [item for item in items if item.pk in found]
    for item in read:
        base._apply(item, found[item.pk], now, report)
    if read:
        Item.objects.bulk_update({i.pk: i for i in read}.values(), ["price", "available", "synced_at"])
    return report


def _reads(client, group: list[Item], order: list[Item]) -> list[tuple[int, Callable[[], dict]]]:
    """services.recheck.read_listings' requests (one per item where the provider reads by id, else one
    search per distinct name), each with the place of its first item in `order`."""
    place = {item.pk: n for n, item in enumerate(order)}
    if getattr(client, "reads_item_price", False):
        return [(place[item.pk], functools.partial(base._read_by_id, client, item)) for item in group]
    names: dict[tuple[str, str], list[Item]] = {}
    for item in group:
        names.setdefault((item.game, item.name), []).append(item)
    return [
        (place[items[0].pk], functools.partial(base._read_search, client, *key, items))
        for key, items in names.items()
    ]


def _said(code: str, read: Callable[[], dict], failed: list[str]) -> Callable[[], dict]:
    """`read`, remembering which provider failed first (the page names it)."""

    def run() -> dict:
        try:
            return read()
        except Exception:
            failed.append(code)
            raise

    return run
