"""The status sync: refresh open purchases in batches, never asking about finished ones.

Overlapping runs (a slow run and the next schedule, two clusters) lease their batches with a conditional
UPDATE, so no purchase is asked about twice at once. A provider that rate-limits or is down pauses its
part of the run; the rest is picked up by the next run.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connections, router
from django.db.models import F, Q
from django.utils import timezone

from ..models import Purchase
from ..providers import get_provider
from ..providers.base import AuthError, Provider, ProviderError, RateLimited, Unavailable
from ..selectors import open_purchases
from ..status import OPEN_STATES, State
from .claims import claim, release
from .lookup import LookupReport, apply_batch, ask_batch

log = logging.getLogger(__name__)

SYNC_LEASE = timedelta(minutes=5)
# inside Steam Trade Protection a purchase is asked about this often, and once more when the hold ends
ON_HOLD_POLL = timedelta(minutes=15)
PAUSING_ERRORS = (RateLimited, Unavailable, AuthError)


@dataclass
class SyncReport(LookupReport):
    paused: dict[str, str] = field(default_factory=dict)
    skipped_busy: int = 0

    def as_dict(self) -> dict:
        return {
            "refreshed": self.refreshed,
            "changed": len(self.changes),
            "not_found": len(self.not_found),
            "unreadable": self.unreadable,
            "requests": self.requests,
            "changes": self.changes,
            "not_found_ids": self.not_found,
            "paused": self.paused,
            "skipped_busy": self.skipped_busy,
        }

    def summary(self) -> str:
        text = f"{self.refreshed} refreshed, {len(self.changes)} changed, {len(self.not_found)} not found"
        if self.unreadable:
            text += f", {self.unreadable} answer(s) with unreadable fields (flagged)"
        if self.paused:
            text += "; paused: " + ", ".join(f"{p} ({why})" for p, why in self.paused.items())
        return text


def sync_candidates(
    *, provider: str | None = None, custom_ids: Sequence[str] = (), include_all: bool = False
) -> list[tuple[str, int]]:
    """(provider, id) of the purchases due for a refresh, least recently synced first."""
    now = timezone.now()
    queryset = open_purchases()
    if provider:
        queryset = queryset.filter(provider=provider)
    if custom_ids:
        queryset = queryset.filter(custom_id__in=list(custom_ids))
    elif not include_all:
        hold_due = (
            Q(hold_until__lte=now) | Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=now - ON_HOLD_POLL)
        )
        queryset = queryset.filter(~Q(state=State.ON_HOLD) | hold_due)
    ordering = [F("last_synced_at").asc(nulls_first=True), "pk"]
    return list(queryset.order_by(*ordering).values_list("provider", "pk"))


def purchases_sync(
    *,
    provider: str | None = None,
    custom_ids: Sequence[str] = (),
    include_all: bool = False,
    dry_run: bool = False,
    actor=None,
    source: str = "sync",
    interactive: bool = False,
) -> SyncReport:
    """`interactive`: an operator waits (the admin's Refresh), so reads fail fast instead of retrying."""
    pairs = sync_candidates(provider=provider, custom_ids=custom_ids, include_all=include_all)
    return sync_pairs(pairs, interactive=interactive, source=source, actor=actor, dry_run=dry_run)


def sync_pairs(
    pairs: Sequence[tuple[str, int]], *, states=OPEN_STATES, interactive: bool = False, **options
) -> SyncReport:
    """Ask each provider about its purchases among these (provider, id) pairs, still in `states`."""
    report = SyncReport()
    by_provider: dict[str, list[int]] = {}
    for code, pk in pairs:
        by_provider.setdefault(code, []).append(pk)
    started = timezone.now()
    for code, ids in by_provider.items():
        client = get_provider(code, interactive=interactive)
        sync_ids(client, ids, report, started, states=states, **options)
    return report


def sync_ids(
    client: Provider, ids: list[int], report: SyncReport, started, *, states=OPEN_STATES, **options
) -> None:
    """Ask `client` about these purchases (still in `states`) in leased batches of max_lookup_size.

    On PostgreSQL outside a transaction the next batch is claimed and its request sent while this one's
    answers are written (RunAhead: one request ahead, one worker thread): the same requests, in the same
    order, under the same rate limit; no transaction is open across a request."""
    size = client.max_lookup_size
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    inflight: deque[tuple[list[Purchase], Future]] = deque()
    with RunAhead(enabled=len(chunks) > 1 and _may_run_ahead()) as ahead:
        try:
            for chunk in chunks:
                claimed = _claim(chunk, started, states)
                report.skipped_busy += len(chunk) - len(claimed)
                if claimed:
                    inflight.append((claimed, ahead.submit(ask_batch, client, claimed)))
                if len(inflight) > ahead.depth and not _finish(*inflight.popleft(), client, report, options):
                    return
            while inflight:
                if not _finish(*inflight.popleft(), client, report, options):
                    return
        finally:
            for claimed, asking in inflight:  # stopped early: wait for what is in flight, then let go
                ahead.settle(asking)
                release(claimed)


def _claim(chunk: list[int], started, states) -> list[Purchase]:
    # a purchase another run refreshed after this run began is not asked about again
    not_fresh = Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=started)
    rows = Purchase.objects.filter(not_fresh, pk__in=chunk, state__in=states)
    return claim(rows, now=timezone.now(), lease=SYNC_LEASE)


def _finish(claimed: list[Purchase], asking: Future, client: Provider, report: SyncReport, options) -> bool:
    """Apply one batch's answers; False when the provider asks us to stop (rate limit, outage, auth)."""
    try:
        # the batch's write also ends our lease on the rows it writes: one UPDATE fewer per batch
        asked = asking.result()
        report.merge(apply_batch(asked, client, release_claim=claimed[0].claim_token, **options))
    except PAUSING_ERRORS as error:
        report.paused[client.code] = _why(error)
        log.warning("sync of %s paused: %s", client.code, _why(error))
        return False
    except ProviderError as error:
        log.warning("sync batch of %s failed: %s", client.code, _why(error))
    finally:
        release(claimed)
    return True


def _may_run_ahead() -> bool:
    """Only where a second connection sees what the first committed and waits for nobody: PostgreSQL, in
    autocommit (inside a transaction, as in most tests, the batches run one after another)."""
    connection = connections[router.db_for_write(Purchase)]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class RunAhead:
    """Runs the provider requests of a sync one batch ahead in a worker thread, or inline when disabled.
    `depth` is how many asked batches may wait unapplied (1 ahead, or 0 inline)."""

    def __init__(self, *, enabled: bool) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="sync-ask") if enabled else None
        self.depth = 1 if enabled else 0

    def submit(self, function, *args) -> Future:
        if self.pool is not None:
            return self.pool.submit(function, *args)
        done: Future = Future()
        try:
            done.set_result(function(*args))
        except Exception as error:  # raised again by .result(), where the serial path handled it
            done.set_exception(error)
        return done

    @staticmethod
    def settle(asking: Future) -> None:
        with contextlib.suppress(Exception):  # its answers are dropped with it: the next run asks again
            asking.result()

    def __enter__(self) -> RunAhead:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            # the worker's own database connection (the client records its calls) closes with it
            self.pool.submit(connections.close_all).result()
            self.pool.shutdown()


def _why(error: ProviderError) -> str:
    return f"{type(error).__name__}: {error.message or error.code}"
