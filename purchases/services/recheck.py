"""Re-reading catalog items just before a buy is confirmed: their price and whether they are on sale.

Only provider READS (the market search; Skinify's withdraw/price by id), with the caller's client's
timeout; never a buy. The requests happen with no transaction open, the answers are written afterwards in
one bulk update. Items read recently are not asked again, and one page view makes at most MAX_READS
requests and starts none after BUDGET seconds; the read in flight then may still run to the client's
timeout (interactive: PROVIDER_INTERACTIVE_TIMEOUT, 3 s to connect + 8 s to read), so a page waits at most
BUDGET plus one such timeout. Up to PARALLEL reads run at once (threads; their ProviderCall rows are written
by the page's own thread afterwards), so 20 stale names cost about 5 round trips, not 20.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, connections
from django.utils import timezone

from ..calls import held_calls, write_held
from ..models import Item
from ..providers import get_provider
from ..providers.base import CatalogEntry, NotFound, Provider
from ..routing import label

FRESH_FOR = timedelta(minutes=5)  # an item read this recently is not asked again
MAX_READS = 20  # provider requests per confirmation page (one per distinct name, or per item by id)
BUDGET = 10.0  # seconds after which a confirmation page starts no more provider reads
PARALLEL = 4  # provider reads of one page at once


@dataclass
class Recheck:
    """What the re-read found. `error`: the provider did not answer (the catalog's prices stay)."""

    read_at: datetime | None = None
    checked: set[int] = field(default_factory=set)  # item pks re-read
    changed: dict[int, Decimal | None] = field(default_factory=dict)  # pk -> the price before
    gone: set[int] = field(default_factory=set)  # pks no longer on sale
    unread: int = 0  # stale items left unread (request limit or budget)
    error: str = ""

    @property
    def asked(self) -> bool:
        return bool(self.checked or self.error or self.unread)


def stale_items(items: list[Item], now: datetime | None = None) -> list[Item]:
    """The items (one per pk) whose last read is older than FRESH_FOR, or that were never read."""
    limit = (now or timezone.now()) - FRESH_FOR
    by_pk = {i.pk: i for i in items if i.synced_at is None or i.synced_at < limit}
    return list(by_pk.values())


def items_recheck(*, items: list[Item], provider: str = "", client: Provider | None = None) -> Recheck:
    """Re-read the stale ones of `items` and store the answers; every object of a re-read pk is updated.
    The client is `provider`'s interactive one unless given. Never raises: a client that cannot be built
    is the report's error (the page says so and blocks nothing)."""
    stale = stale_items(items)
    if not stale:
        return Recheck()
    now = timezone.now()
    if client is None:
        try:
            client = get_provider(provider, interactive=True)
        except Exception as error:  # misconfigured provider
            return Recheck(read_at=now, unread=len(stale), error=str(error))
    found, error = read_listings(client, stale)
    report = Recheck(read_at=now, error=error, unread=len(stale) - len(found))
    _store(items, found, now, report)
    return report


def read_listings(client: Provider, items: list[Item]) -> tuple[dict[int, CatalogEntry | None], str]:
    """{pk: the listing, or None when not on sale} for the items read; the error that stopped reading.
    One item_price() per item where the provider reads by id (Skinify's withdraw/price), else one search
    per distinct name."""
    if getattr(client, "reads_item_price", False):
        reads = [functools.partial(_read_by_id, client, item) for item in items]
    else:
        names: dict[tuple[str, str], list[Item]] = {}
        for item in items:
            names.setdefault((item.game, item.name), []).append(item)
        reads = [functools.partial(_read_search, client, *key, group) for key, group in names.items()]
    return _within_limits(reads)


def parallel_reads() -> int:
    """PARALLEL, except on SQLite (development, one machine): its shared cache and rate-limit tables are
    not written from several threads at once, so there the reads run one after another."""
    return 1 if connection.vendor == "sqlite" else PARALLEL


def _within_limits(reads: list[Callable[[], dict[int, CatalogEntry | None]]], parallel: int | None = None):
    """Run the reads, `parallel` at once, at most MAX_READS, none started after BUDGET seconds or after
    a failure (what was read is kept; the first failure is the error)."""
    parallel = parallel or parallel_reads()
    if parallel == 1:
        return _in_order(reads)
    found: dict[int, CatalogEntry | None] = {}
    errors: list[str] = []
    records: list = []
    deadline = time.monotonic() + BUDGET
    pending = list(reversed(reads[:MAX_READS]))
    running: set[Future] = set()
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="recheck") as pool:
        while pending or running:
            while pending and len(running) < parallel and not errors and time.monotonic() <= deadline:
                running.add(pool.submit(_held_read, pending.pop(), records))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    found.update(future.result())
                except Exception as error:  # any failure of a read: say so, keep what was read
                    errors.append(str(error) or type(error).__name__)
    write_held(records)
    return found, errors[0] if errors else ""


def _held_read(read: Callable[[], dict], records: list) -> dict:
    try:
        with held_calls(records):
            return read()
    finally:
        connections.close_all()  # this worker thread's own (the shared cache's), if it opened one


def _in_order(reads: list[Callable[[], dict[int, CatalogEntry | None]]]):
    found: dict[int, CatalogEntry | None] = {}
    deadline = time.monotonic() + BUDGET
    for count, read in enumerate(reads):
        if count >= MAX_READS or time.monotonic() > deadline:
            break
        try:
            found.update(read())
        except Exception as error:  # any failure of a read: say so, keep what was read
            return found, str(error) or type(error).__name__
    return found, ""


def _read_search(client: Provider, game: str, name: str, group: list[Item]) -> dict:
    listed = {e.item_id: e for e in client.search(name=name, game=game)}
    return {item.pk: listed.get(item.provider_item_id) for item in group}


def _read_by_id(client: Provider, item: Item) -> dict:
    try:
        entry = client.item_price(item_id=item.provider_item_id, game=item.game)
    except NotFound:  # the provider has no such listing; any other refusal is an error, not "gone"
        entry = None
    return {item.pk: None if entry is None or entry.count == 0 else entry}


def _store(items: list[Item], found: dict, now: datetime, report: Recheck) -> None:
    """The answers onto every object of a re-read pk, then one bulk update."""
    read = [item for item in items if item.pk in found]
    for item in read:
        _apply(item, found[item.pk], now, report)
    if read:
        Item.objects.bulk_update({i.pk: i for i in read}.values(), ["price", "available", "synced_at"])


def _apply(item: Item, entry: CatalogEntry | None, now: datetime, report: Recheck) -> None:
    report.checked.add(item.pk)
    if entry is None:
        report.gone.add(item.pk)
    elif entry.price != item.price:
        report.changed.setdefault(item.pk, item.price)
    item.available = entry is not None
    if entry is not None:
        item.price = entry.price
    item.synced_at = now


# ------------------------------------------------------------------- a page of lines at several providers
# The confirmation of a batch routed across providers (issue 22) re-reads the chosen listings first, then
# the ones a line may be switched to, at every provider involved, as one set of reads under the same caps
# (at most MAX_READS requests, none started after BUDGET seconds, PARALLEL at once).


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
    found, read_error = _within_limits([read for _, read in sorted(reads, key=lambda pair: pair[0])])
    report = PageRecheck(read_at=now, error=error or read_error, unread=len(stale) - len(found))
    report.providers, report.failed = providers, failed[0] if failed else ""
    _store(items, found, now, report)
    return report


def _reads(client, group: list[Item], order: list[Item]) -> list[tuple[int, Callable[[], dict]]]:
    """services.recheck.read_listings' requests (one per item where the provider reads by id, else one
    search per distinct name), each with the place of its first item in `order`."""
    place = {item.pk: n for n, item in enumerate(order)}
    if getattr(client, "reads_item_price", False):
        return [(place[item.pk], functools.partial(_read_by_id, client, item)) for item in group]
    names: dict[tuple[str, str], list[Item]] = {}
    for item in group:
        names.setdefault((item.game, item.name), []).append(item)
    return [
        (place[items[0].pk], functools.partial(_read_search, client, *key, items))
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
