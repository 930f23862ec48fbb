"""Read queries: open purchases, lookups, timelines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .call_subjects import calls_about
from .models import ProviderCall, Purchase, PurchaseEvent, WebhookEvent
from .policy.pause import provider_paused
from .status import OPEN_STATES, STATES, State
from .timeline import call_finding, collapse, finding_words, id_pattern


def open_purchases() -> QuerySet[Purchase]:
    return Purchase.objects.filter(state__in=OPEN_STATES)


def attention_q(now: datetime | None = None) -> Q:
    """Flagged, unconfirmed, or open for longer than any trade offer can stay open.

    A pending purchase that a pause holds (policy/pause.py) is waiting on purpose, not stuck: the pause's
    own banner says so, and it is not counted here while the pause lasts. A purchase a person resolved
    (services/attention.py: the flag down, its reason kept) is not put back in the queue by its age."""
    now = now or timezone.now()
    query = Q(needs_attention=True)
    unresolved = Q(attention_reason="")
    for state, info in STATES.items():
        if info.attention_after == timedelta(0):
            query |= Q(unresolved, state=state)
        elif state == State.PENDING:
            query |= Q(~provider_paused(), unresolved, state=state, created_at__lt=now - info.attention_after)
        elif info.attention_after is not None:
            query |= Q(unresolved, state=state, created_at__lt=now - info.attention_after)
    return query


def is_resolved(purchase: Purchase) -> bool:
    """A person resolved it: the flag is down and the reason it was raised for is kept."""
    return not purchase.needs_attention and bool(purchase.attention_reason)


def needing_attention() -> QuerySet[Purchase]:
    return Purchase.objects.filter(attention_q())


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a purchase's story: our event, a provider call about it, or a callback about it."""

    at: datetime
    kind: str  # "event" | "call" | "callback"
    event: PurchaseEvent | None = None
    call: ProviderCall | None = None
    callback: WebhookEvent | None = None
    #: of a callback: the event it wrote, shown on the callback's line rather than as a line of its own
    change: PurchaseEvent | None = None
    #: of a lookup: "found", "not_found" or '' (timeline.call_finding), and its words
    finding: str = ""
    said: str = ""
    #: identical lookups in a row told once (timeline.collapse): how many, and the time of the last one
    repeats: int = 1
    until: datetime | None = None


#: provider calls and callbacks shown per purchase (the most recent ones); events are all shown
TIMELINE_LIMIT = 100
#: calls and callbacks this long before the row was created still concern it (imports are back-dated)
TIMELINE_MARGIN = timedelta(hours=1)
_KIND_ORDER = {"call": 0, "callback": 1, "event": 2}


def purchase_timeline(purchase: Purchase) -> list[TimelineEntry]:
    """Our events, the provider calls and the callbacks that concerned this purchase, oldest first;
    identical lookups in a row as one entry (purchases/timeline.py).

    Three queries whatever the history: calls and callbacks are matched by substring in the database
    (bounded by time and count), then kept only when the custom_id or buy_id is a whole token.
    """
    ids = [value for value in (purchase.custom_id, purchase.buy_id) if value]
    events = PurchaseEvent.objects.filter(purchase=purchase).select_related("actor").order_by("at", "id")
    by_pk = {event.pk: event for event in events}
    callbacks = _callbacks_about(purchase, ids)
    # a callback's change is one thing that happened: one line (the callback's), not two
    folded = {w.purchase_event_id: w for w in callbacks if w.purchase_event_id in by_pk}
    entries = [TimelineEntry(at=e.at, kind="event", event=e) for e in events if e.pk not in folded]
    pattern = id_pattern(ids)
    entries += [_call_entry(c, pattern) for c in _calls_about(purchase, ids)]
    entries += [
        TimelineEntry(at=w.received_at, kind="callback", callback=w, change=by_pk.get(w.purchase_event_id))
        for w in callbacks
    ]
    return collapse(sorted(entries, key=lambda e: (e.at, _KIND_ORDER[e.kind])))


def _call_entry(call: ProviderCall, ids: re.Pattern[str] | None) -> TimelineEntry:
    finding = call_finding(call, ids)
    said = finding_words(call.provider, finding)
    return TimelineEntry(at=call.started_at, kind="call", call=call, finding=finding, said=said)


def _calls_about(purchase: Purchase, ids: list[str]) -> list[ProviderCall]:
    since = purchase.created_at - TIMELINE_MARGIN
    about = calls_about(ProviderCall.objects.all(), ids)  # whole ids, through an index on PostgreSQL
    calls = about.filter(provider=purchase.provider, started_at__gte=since)
    wanted = set(ids)
    recent = calls.order_by("-started_at", "-id")[:TIMELINE_LIMIT]
    return [call for call in recent if wanted.intersection(call.subjects.split())]


def _callbacks_about(purchase: Purchase, ids: list[str]) -> list[WebhookEvent]:
    query = Q(pk__in=[])
    for value in ids:
        query |= Q(body__contains=value)
    since = purchase.created_at - TIMELINE_MARGIN
    callbacks = WebhookEvent.objects.filter(query, provider=purchase.provider, received_at__gte=since)
    # linked when processed; older rows are matched on the body, kept only for a whole-token match
    callbacks = callbacks | WebhookEvent.objects.filter(purchase=purchase)
    token = re.compile("|".join(rf"(?<![\w-]){re.escape(value)}(?![\w-])" for value in ids))
    recent = callbacks.order_by("-received_at", "-id")[:TIMELINE_LIMIT]
    return [c for c in recent if c.purchase_id == purchase.pk or token.search(c.body)]
