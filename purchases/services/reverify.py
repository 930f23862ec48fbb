"""Asking the provider again about purchases we consider finished.

Final states are our reading of the provider's last word, and later evidence revises them: a rejection
we only inferred ("never reached the provider") may turn out bought, a failed trade may be accepted, a
delivered one rolled back inside Steam Trade Protection. The daily reconcile re-verifies what was
finalised recently and every inferred rejection; a hinting callback re-verifies its purchase at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from ..models import Purchase
from ..status import FINAL_STATES, State
from .apply import NEVER_REACHED
from .sync import SyncReport, sync_pairs

#: Steam Trade Protection lets a trade be rolled back for 7 days: a day more covers a late word
RECENTLY_FINAL = timedelta(days=8)
#: a rejection we inferred is checked again for this long
INFERRED_REJECTION = timedelta(days=30)
#: at most this many purchases per reconcile run (100 requests): the minute sync shares the rate limit
REVERIFY_MAX = 10_000
ALL_STATES = frozenset(State)


def reverify_candidates(*, now=None) -> list[tuple[str, int]]:
    """(provider, id) of final purchases worth asking about again, least recently synced first."""
    now = now or timezone.now()
    recent = Q(updated_at__gte=now - RECENTLY_FINAL)
    inferred = Q(state=State.REJECTED, error_reason=NEVER_REACHED, created_at__gte=now - INFERRED_REJECTION)
    queryset = Purchase.objects.filter(recent | inferred, state__in=FINAL_STATES)
    ordering = [F("last_synced_at").asc(nulls_first=True), "pk"]
    return list(queryset.order_by(*ordering).values_list("provider", "pk")[:REVERIFY_MAX])


def purchases_reverify(*, source: str = "sync") -> SyncReport:
    """The daily check of recently finalised purchases, in batches, pausing a provider that refuses."""
    return sync_pairs(reverify_candidates(), states=FINAL_STATES, source=source)


def purchases_verify(*, purchase_ids: Sequence[int], source: str = "sync") -> SyncReport:
    """Ask about these purchases whatever their state (a callback hinted that something changed)."""
    pairs = Purchase.objects.filter(pk__in=list(purchase_ids)).values_list("provider", "pk")
    return sync_pairs(list(pairs), states=ALL_STATES - {State.PENDING}, source=source)
