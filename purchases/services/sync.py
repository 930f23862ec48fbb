"""The status sync: refresh open purchases in batches, never asking about finished ones.

Overlapping runs (a slow run and the next schedule, two clusters) lease their batches with a conditional
UPDATE, so no purchase is asked about twice at once. A provider that rate-limits or is down pauses its
part of the run; the rest is picked up by the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from ..models import Purchase
from ..providers import get_provider
from ..providers.base import AuthError, Provider, ProviderError, RateLimited, Unavailable
from ..selectors import open_purchases
from ..status import OPEN_STATES, State
from .claims import claim, release
from .lookup import LookupReport, lookup_batch

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
    """Ask `client` about these purchases (still in `states`) in leased batches of max_lookup_size."""
    code = client.code
    size = client.max_lookup_size
    # a purchase another run refreshed after this run began is not asked about again
    not_fresh = Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=started)
    for start in range(0, len(ids), size):
        now = timezone.now()
        chunk = Purchase.objects.filter(not_fresh, pk__in=ids[start : start + size], state__in=states)
        claimed = claim(chunk, now=now, lease=SYNC_LEASE)
        report.skipped_busy += len(ids[start : start + size]) - len(claimed)
        if not claimed:
            continue
        try:
            # the batch's write also ends our lease on the rows it writes: one UPDATE fewer per batch
            report.merge(lookup_batch(client, claimed, release_claim=claimed[0].claim_token, **options))
        except PAUSING_ERRORS as error:
            report.paused[code] = _why(error)
            log.warning("sync of %s paused: %s", code, _why(error))
            return
        except ProviderError as error:
            log.warning("sync batch of %s failed: %s", code, _why(error))
        finally:
            release(claimed)


def _why(error: ProviderError) -> str:
    return f"{type(error).__name__}: {error.message or error.code}"
