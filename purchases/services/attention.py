"""The needs-attention queue, worked by people: take a purchase in it, release it, resolve it, because….

Each writes the purchase, a PurchaseEvent (who, what) and the admin's LogEntry (services/audit.py) in one
transaction. Whoever may refresh purchases works the queue (permissions.REFRESH: Support, Operators,
Approvers): looking into a flagged purchase is part of looking things up, and none of this moves money.

Resolving puts the flag down and keeps the reason it was raised for (`selectors.is_resolved`): the same
reason does not raise it again (the sync asks about an open purchase every minute), a new one does, and
the purchase's age no longer puts it back in the queue (`selectors.attention_q`).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..ages import age
from ..models import EventSource, Purchase, PurchaseEvent
from ..permissions import REFRESH
from ..selectors import attention_q
from .audit import log_changes

#: the longest "because…" kept (the event's message holds it with its prefix)
BECAUSE_MAX = 200
RESOLVED = "Resolved, because: "


class AttentionError(Exception):
    """Why the request was not carried out, in words for the person who asked."""


def attention_take(*, purchase_id: int, actor) -> Purchase:
    """`actor` works on this purchase of the queue (taking it over from whoever had it)."""
    with transaction.atomic():
        purchase = _in_queue(purchase_id, actor)
        before = purchase.attention_owner
        if before is not None and before.pk == actor.pk:
            return purchase
        purchase.attention_owner = actor
        purchase.save(update_fields=["attention_owner", "updated_at"])
        taken = (
            f"over from {before.get_username()}" if before is not None else "from the needs-attention queue"
        )
        _record(purchase, actor, f"Taken {taken}")
    return purchase


def attention_release(*, purchase_id: int, actor) -> Purchase:
    """`actor` no longer works on it: back to nobody's. Only the one who has it releases it."""
    with transaction.atomic():
        purchase = _locked(purchase_id, actor)
        owner = purchase.attention_owner
        if owner is None:
            return purchase
        if owner.pk != actor.pk:
            raise AttentionError(f"{owner.get_username()} works on it: take it over instead.")
        purchase.attention_owner = None
        purchase.save(update_fields=["attention_owner", "updated_at"])
        _record(purchase, actor, "Released: back in the queue, nobody's")
    return purchase


def attention_resolve(*, purchase_id: int, actor, because: str, now: datetime | None = None) -> Purchase:
    """Out of the queue, with why: the flag down, the reason kept, nobody's any more."""
    because = " ".join((because or "").split())
    if not because:
        raise AttentionError("Say why it is resolved: what you found or did.")
    if len(because) > BECAUSE_MAX:
        raise AttentionError(f"Keep the reason under {BECAUSE_MAX} characters ({len(because)} given).")
    now = now or timezone.now()
    with transaction.atomic():
        purchase = _in_queue(purchase_id, actor, now)
        was = purchase.attention_reason or _age_words(purchase, now)
        purchase.needs_attention, purchase.attention_reason = False, was[:255]
        purchase.attention_owner = None
        fields = ["needs_attention", "attention_reason", "attention_owner", "updated_at"]
        purchase.save(update_fields=fields)
        _record(purchase, actor, RESOLVED + because, at=now, payload={"reason": was, "because": because})
    return purchase


def _locked(purchase_id: int, actor) -> Purchase:
    if actor is None or not actor.has_perm(REFRESH):
        raise PermissionDenied
    purchase = Purchase.objects.select_for_update().filter(pk=purchase_id).first()
    if purchase is None:
        raise AttentionError("No such purchase.")
    return purchase


def _in_queue(purchase_id: int, actor, now: datetime | None = None) -> Purchase:
    purchase = _locked(purchase_id, actor)
    if not Purchase.objects.filter(attention_q(now), pk=purchase.pk).exists():
        raise AttentionError(f"{purchase.custom_id} does not need attention (any more).")
    return purchase


def _age_words(purchase: Purchase, now: datetime) -> str:
    """The reason of a purchase in the queue by its age alone (nothing stored): "In progress for 3 hours"."""
    return f"{purchase.get_state_display()} for {age(purchase.created_at, now)}"


def _record(purchase: Purchase, actor, message: str, *, at=None, payload: dict | None = None) -> None:
    PurchaseEvent.objects.create(
        purchase=purchase,
        at=at or timezone.now(),
        source=EventSource.ADMIN,
        actor=actor,
        message=message[:255],
        payload=payload or {},
    )
    log_changes(actor, [(purchase.pk, str(purchase), message)])
