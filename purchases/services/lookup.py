"""Asking the provider about known purchases in batches and applying the answers in bulk.

One request carries up to `max_lookup_size` ids: by buy_id when we have it, else by custom_id (a purchase
whose buy answer was lost has only its custom_id). Only what changed is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Purchase, PurchaseEvent
from ..providers import get_provider
from ..providers.base import NotFound, Provider, PurchaseInfo
from ..status import State
from .apply import NEVER_REACHED, Change, compute_change, jsonable
from .writes import write_changes

UNKNOWN_TO_PROVIDER = "The provider does not know this purchase"
UNATTRIBUTED = "The provider's answer named no custom_id or buy_id we could match to this purchase"
#: still unknown after its offer window: escalated with what it means and what to do (admin/reasons.py
#: adds for how long, from the row)
UNKNOWN_PAST_WINDOW = (
    "Unknown to {label} past its {minutes}-minute offer window: it never reached {label} if no debit "
    "appears; check {label}'s balance history, then resolve it or buy the skin again"
)
ESCALATED_PREFIX = "Unknown to "


def unknown_past_window(provider: Provider) -> str:
    return UNKNOWN_PAST_WINDOW.format(label=provider.label, minutes=provider.offer_window_minutes)


def is_unknown_reason(text: str) -> bool:
    """The attention reason says the provider does not know the purchase (escalated or not)."""
    return text == UNKNOWN_TO_PROVIDER or text.startswith(ESCALATED_PREFIX)


@dataclass
class LookupReport:
    refreshed: int = 0
    requests: int = 0
    changes: list[str] = field(default_factory=list)
    changed: list[tuple[int, str]] = field(default_factory=list)  # (pk, custom_id), in `changes` order
    not_found: list[str] = field(default_factory=list)
    unreadable: int = 0  # answer entries with a field we could not read (their purchases are flagged)

    def merge(self, other: LookupReport) -> None:
        self.refreshed += other.refreshed
        self.unreadable += other.unreadable
        self.requests += other.requests
        self.changes += other.changes
        self.changed += other.changed
        self.not_found += other.not_found


def purchases_resolve(
    *, purchases: Sequence[Purchase], source: str, actor=None, dry_run: bool = False
) -> LookupReport:
    """Refresh these purchases from their provider (all of one provider or mixed), in batches."""
    report = LookupReport()
    by_provider: dict[str, list[Purchase]] = {}
    for purchase in purchases:
        by_provider.setdefault(purchase.provider, []).append(purchase)
    for code, group in by_provider.items():
        provider = get_provider(code)
        size = provider.max_lookup_size
        for start in range(0, len(group), size):
            chunk = group[start : start + size]
            report.merge(lookup_batch(provider, chunk, source=source, actor=actor, dry_run=dry_run))
    return report


def lookup_batch(
    provider: Provider,
    purchases: Sequence[Purchase],
    *,
    source: str,
    actor=None,
    dry_run: bool = False,
    release_claim=None,
) -> LookupReport:
    """At most two requests (buy_ids, custom_ids) for up to max_lookup_size purchases of one provider."""
    asked = ask_batch(provider, purchases)
    return apply_batch(
        asked, provider, source=source, actor=actor, dry_run=dry_run, release_claim=release_claim
    )


@dataclass
class Asked:
    """The provider's answers about a batch, not yet applied: what `ask_batch` returns."""

    purchases: Sequence[Purchase]
    rounds: list[tuple[list[Purchase], list[PurchaseInfo]]]


def ask_batch(provider: Provider, purchases: Sequence[Purchase]) -> Asked:
    """The requests alone (by buy_id, then by custom_id): nothing of ours is written here, so the sync
    may run them ahead of the previous batch's writes."""
    with_buy_id = [p for p in purchases if p.buy_id]
    without = [p for p in purchases if not p.buy_id]
    rounds: list[tuple[list[Purchase], list[PurchaseInfo]]] = []
    if with_buy_id:
        rounds.append((with_buy_id, _ask(provider, buy_ids=[p.buy_id for p in with_buy_id])))
    if without:
        rounds.append((without, _ask(provider, custom_ids=[p.custom_id for p in without])))
    return Asked(purchases, rounds)


def apply_batch(
    asked: Asked,
    provider: Provider,
    *,
    source: str,
    actor=None,
    dry_run: bool = False,
    release_claim=None,
) -> LookupReport:
    """Judge the answers and write what changed (one statement on PostgreSQL), with the stamp."""
    purchases = asked.purchases
    report = LookupReport(refreshed=len(purchases), requests=len(asked.rounds))
    now = timezone.now()
    changes: list[Change] = []
    for asked_round, infos in asked.rounds:
        report.unreadable += sum(1 for info in infos if info.unreadable)
        matched, unattributed = _match(asked_round, infos)
        changes += _answered(matched, source=source, actor=actor, now=now)
        found = {purchase.pk for purchase, _ in matched}
        for purchase in (p for p in asked_round if p.pk not in found):
            report.not_found.append(purchase.custom_id)
            change = _unattributed(purchase) if unattributed else _not_found(purchase, provider, now, source)
            changes += [change] if change is not None else []
    if not dry_run:
        ids = [p.pk for p in purchases]
        changes = write_changes(changes, ids, now, actor=actor, release_claim=release_claim)
    moved = [c for c in changes if c.state_changed]
    report.changes = [c.describe() for c in moved]
    report.changed = [(c.purchase.pk, c.purchase.custom_id) for c in moved]
    return report


def _ask(provider: Provider, **ids: list[str]) -> list[PurchaseInfo]:
    try:
        return provider.get_purchases(**ids)
    except NotFound:
        return []  # a single unknown id answers offer_not_found; a list simply omits it


def _match(asked: list[Purchase], infos: list[PurchaseInfo]):
    """(purchase, answer) pairs by buy_id, else custom_id; answers without an echo we can use are matched
    by the skin id when exactly one asked purchase has it, or when one was asked and one answered.
    Returns the pairs and the answers left unattributed."""
    by_buy_id = {a.buy_id: a for a in infos if a.buy_id}
    by_custom_id = {a.custom_id: a for a in infos if a.custom_id}
    pairs: dict[int, tuple[Purchase, PurchaseInfo]] = {}
    for purchase in asked:
        info = by_buy_id.get(purchase.buy_id) if purchase.buy_id else None
        info = info or by_custom_id.get(purchase.custom_id)
        if info is not None:
            pairs[purchase.pk] = (purchase, info)
    used = {id(info) for _, info in pairs.values()}
    left = [a for a in infos if id(a) not in used and not a.custom_id]
    # only a purchase asked about by custom_id can be the subject of an answer that does not echo it
    rest = [p for p in asked if p.pk not in pairs and not p.buy_id]
    if len(left) == 1 and len(rest) == 1:
        pairs[rest[0].pk] = (rest[0], left.pop())
    for info in list(left):
        same = [p for p in rest if info.item_id and p.provider_item_id == info.item_id and p.pk not in pairs]
        if len(same) == 1:
            pairs[same[0].pk] = (same[0], info)
            left.remove(info)
    return list(pairs.values()), left


def _answered(pairs, *, source: str, actor, now: datetime) -> list[Change]:
    changes = []
    for purchase, info in pairs:
        change = compute_change(purchase, info, source=source, now=now, actor=actor)
        if change is not None and change.fields:
            change.fields["raw"] = jsonable(info.raw)
            changes.append(change)
    return changes


def _unattributed(purchase: Purchase) -> Change | None:
    """The answer held entries we could not tell apart: nothing is concluded about this purchase."""
    if purchase.needs_attention or purchase.attention_reason == UNATTRIBUTED:
        return None  # flagged already, or a person resolved it (services/attention.py)
    return Change(purchase=purchase, fields={"needs_attention": True, "attention_reason": UNATTRIBUTED})


def _not_found(purchase: Purchase, provider: Provider, now: datetime, source: str) -> Change | None:
    """Unconfirmed and older than the offer window: it never arrived. Rejected: as expected. Anything
    else: flagged, never changed; still unknown past the offer window, escalated with what to do (with an
    event). Left alone when flagged for something else or resolved by a person (services/attention.py)."""
    window = timedelta(minutes=provider.offer_window_minutes)
    sent = purchase.sent_at or purchase.created_at
    if purchase.state == State.UNCONFIRMED and sent < now - window:
        fields = {"state": State.REJECTED, "error_reason": NEVER_REACHED, "needs_attention": False}
        event = PurchaseEvent(
            purchase=purchase,
            at=now,
            old_state=purchase.state,
            new_state=State.REJECTED,
            source=source,
            message=NEVER_REACHED,
        )
        return Change(purchase=purchase, fields=fields, event=event)
    if purchase.state in (State.UNCONFIRMED, State.REJECTED):
        return None  # still inside the window, or refused as we thought
    reason = unknown_past_window(provider)[:255] if sent < now - window else UNKNOWN_TO_PROVIDER
    current = purchase.attention_reason
    if current == reason or (purchase.needs_attention and current != UNKNOWN_TO_PROVIDER):
        return None  # flagged so already, or for something else
    if not purchase.needs_attention and is_unknown_reason(current):
        return None  # a person resolved it
    fields = {"needs_attention": True, "attention_reason": reason}
    escalated = reason != UNKNOWN_TO_PROVIDER
    event = PurchaseEvent(purchase=purchase, at=now, source=source, message=f"Escalated: {reason}"[:255])
    return Change(purchase=purchase, fields=fields, event=event if escalated else None)
