"""Turning what a provider says about a purchase into field changes and a PurchaseEvent.

Shared by the buy, the sync, the callbacks and the history import, so all four judge an answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from ..models import Purchase, PurchaseEvent
from ..providers.base import PurchaseInfo
from ..status import FINAL_STATES, State, normalize

STATE_RANK = {
    State.PENDING: 0,
    State.UNCONFIRMED: 1,
    State.REJECTED: 4,
    State.IN_PROGRESS: 2,
    State.ON_HOLD: 3,
    State.DELIVERED: 4,
    State.FAILED: 4,
    State.REVERTED: 4,
}
# within in_progress the provider's words still move forward; an older word never replaces a newer one
STATUS_RANK = {"reserved": 0, "creating_trade": 1, "processing": 1, "waiting_accept": 2, "accepted": 3}


@dataclass
class Change:
    """What applying one answer would do to one purchase."""

    purchase: Purchase
    fields: dict[str, Any] = field(default_factory=dict)
    event: PurchaseEvent | None = None

    @property
    def state_changed(self) -> bool:
        return "state" in self.fields

    def describe(self) -> str:
        old = self.event.old_state if self.event else self.purchase.state
        return f"{self.purchase.custom_id}: {old} → {self.fields.get('state', self.purchase.state)}"


def is_regression(purchase: Purchase, new_state: str, new_status: str) -> bool:
    """An answer older than what we know (a late callback, a stale history page) must not win."""
    if purchase.state in FINAL_STATES:
        return new_state != purchase.state or new_status != purchase.provider_status
    old_rank, new_rank = STATE_RANK[State(purchase.state)], STATE_RANK[State(new_state)]
    if new_rank != old_rank:
        return new_rank < old_rank
    old_word = STATUS_RANK.get(purchase.provider_status, 1)
    return STATUS_RANK.get(new_status, 1) < old_word


def compute_change(
    purchase: Purchase, info: PurchaseInfo, *, source: str, now: datetime, actor=None
) -> Change | None:
    """The field changes (and event) this answer brings, or None if it brings nothing new or is stale."""
    normalized = normalize(
        purchase.provider, info.status, in_hold=info.in_hold, hold_until=info.hold_until, now=now
    )
    if is_regression(purchase, normalized.state, info.status):
        return None
    wanted = _wanted_fields(purchase, info, normalized.state, known=normalized.known)
    changes = {name: value for name, value in wanted.items() if getattr(purchase, name) != value}
    if not changes:
        return None
    change = Change(purchase=purchase, fields=changes)
    if "state" in changes or "provider_status" in changes:
        change.event = PurchaseEvent(
            purchase=purchase,
            at=now,
            old_state=purchase.state,
            new_state=normalized.state,
            old_provider_status=purchase.provider_status,
            new_provider_status=info.status,
            source=source,
            actor=actor,
            message="" if normalized.known else f"unknown provider status '{info.status}'",
            payload=jsonable(info.raw),
        )
    return change


def _wanted_fields(purchase: Purchase, info: PurchaseInfo, state: str, *, known: bool) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "state": state,
        "provider_status": info.status,
        "in_hold": state == State.ON_HOLD,
    }
    optional = {
        "buy_id": info.buy_id,
        "price": info.price,
        "balance_debited": info.balance_debited,
        "trade_offer_id": info.trade_offer_id,
        "hold_until": info.hold_until,
    }
    wanted.update({name: value for name, value in optional.items() if value not in (None, "")})
    if info.error_reason:
        wanted["error_reason"] = info.error_reason[:255]
    if not purchase.item_name and info.item_name:
        wanted["item_name"] = info.item_name
    if not known:
        wanted["needs_attention"] = True
        wanted["attention_reason"] = f"Unknown provider status '{info.status}'"
    elif purchase.needs_attention and purchase.attention_reason.startswith("Unknown provider status"):
        wanted["needs_attention"], wanted["attention_reason"] = False, ""
    return wanted


def save_change(change: Change, *, raw: dict | None = None, now: datetime | None = None) -> None:
    """Write one change and its event together (single-purchase paths; the sync writes in bulk)."""
    purchase = change.purchase
    for name, value in change.fields.items():
        setattr(purchase, name, value)
    update_fields = [*change.fields, "updated_at"]
    if raw is not None:
        purchase.raw = jsonable(raw)
        update_fields.append("raw")
    if now is not None:
        purchase.last_synced_at = now
        update_fields.append("last_synced_at")
    with transaction.atomic():
        purchase.save(update_fields=update_fields)
        if change.event is not None:
            change.event.save()


def apply_info(
    purchase: Purchase, info: PurchaseInfo, *, source: str, now: datetime, actor=None
) -> Change | None:
    change = compute_change(purchase, info, source=source, now=now, actor=actor)
    if change is None:
        Purchase.objects.filter(pk=purchase.pk).update(last_synced_at=now, raw=jsonable(info.raw))
        return None
    save_change(change, raw=info.raw, now=now)
    return change


def jsonable(value: Any) -> Any:
    """Provider payloads are JSON already; this only guards against Decimals slipping in."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
