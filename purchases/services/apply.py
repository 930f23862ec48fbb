"""Turning what a provider says about a purchase into field changes and a PurchaseEvent.

Shared by the buy, the sync, the callbacks and the history import, so all four judge an answer alike.
The provider is the source of truth: our state is its last word, revised by later evidence.

- An answer read from the provider (a buy answer, a lookup, the history) may correct even a final state
  (a "rejected" purchase the provider has, a failed trade later accepted, a delivered one rolled back):
  the correction is written with an event and the purchase is flagged for attention.
- A callback is a hint. It moves an open purchase forward and records a rollback, but it never reopens a
  final state and never makes an `accepted` trade final when it says nothing of the hold: such callbacks
  ask for a lookup instead (`Change.verify`).
- Between open states an older word never replaces a newer one (a late callback, a crossed answer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..models import Purchase, PurchaseEvent
from ..providers import PROVIDERS, status_map
from ..providers.base import PurchaseInfo
from ..selectors import is_resolved
from ..status import FINAL_STATES, STATE_RANK, State, normalize

log = logging.getLogger(__name__)

#: sources that report what the provider answered when asked (as opposed to callbacks, which are hints)
HINT_SOURCES = frozenset({"webhook"})
UNKNOWN_STATUS = "Unknown provider status"
UNREADABLE = "Unreadable in the provider's answer"
CORRECTED = "Corrected by the provider's later answer"
#: attention reasons that a later, readable answer lifts
CLEARED_BY_A_GOOD_ANSWER = (UNKNOWN_STATUS, UNREADABLE)
#: our own texts in error_reason (buy.py: a lost answer; lookup.py: an inferred rejection), replaced as
#: soon as the provider answers
NO_USABLE_ANSWER = "no usable answer"
NEVER_REACHED = "never reached the provider"
OUR_ERRORS = (NO_USABLE_ANSWER, NEVER_REACHED)


@dataclass
class Change:
    """What applying one answer would do to one purchase, and the state it was computed from."""

    purchase: Purchase
    fields: dict[str, Any] = field(default_factory=dict)
    event: PurchaseEvent | None = None
    from_state: str = ""
    from_status: str = ""
    #: a hint we did not take as a verdict: the purchase should be looked up at the provider
    verify: bool = False

    def __post_init__(self) -> None:
        self.from_state = self.from_state or self.purchase.state
        self.from_status = self.from_status or self.purchase.provider_status

    @property
    def state_changed(self) -> bool:
        return "state" in self.fields

    def describe(self) -> str:
        return f"{self.purchase.custom_id}: {self.from_state} → {self.fields.get('state', self.from_state)}"


@dataclass(frozen=True)
class Verdict:
    state: str
    status: str
    attention: str = ""  # why a person should look: a correction, an unknown word, an unreadable field
    verify: bool = False
    note: str = ""  # the event's message


def judge(purchase: Purchase, info: PurchaseInfo, *, source: str, now: datetime) -> Verdict | None:
    """The state and provider status this answer leads to, or None when it must not move the purchase."""
    normalized = normalize(
        status_map(purchase.provider), info.status, in_hold=info.in_hold, hold_until=info.hold_until, now=now
    )
    state, hint = normalized.state, source in HINT_SOURCES
    if not info.status or not normalized.known:
        return _unknown_word(purchase, info)
    if purchase.state not in FINAL_STATES:
        if hint and state == State.DELIVERED and not info.hold_known:
            # the callback does not say whether Steam Trade Protection holds the trade: keep it open
            note = "accepted (the callback says nothing of a hold): kept open and looked up"
            return None if _is_older(purchase, State.ON_HOLD, info.status) else _hold_unknown(info, note)
        return None if _is_older(purchase, state, info.status) else Verdict(state, info.status)
    if state == purchase.state:
        return Verdict(state, info.status)  # the same outcome, perhaps in other words
    if hint and state != State.REVERTED:
        return Verdict(purchase.state, purchase.provider_status, verify=True)  # ask before reopening
    was = purchase.provider_status or purchase.error_code or "our inference"
    why = f"{CORRECTED}: {info.status} ({state}), was {purchase.state} ({was})"
    return Verdict(state, info.status, attention=why[:255], note=why)


def _hold_unknown(info: PurchaseInfo, note: str) -> Verdict:
    return Verdict(State.ON_HOLD, info.status, verify=True, note=note)


def _unknown_word(purchase: Purchase, info: PurchaseInfo) -> Verdict:
    """A status we cannot read never moves a purchase; an unknown word keeps an open one open, flagged."""
    if not info.status:
        return Verdict(purchase.state, purchase.provider_status)
    why = f"{UNKNOWN_STATUS} '{info.status[:60]}'"
    if purchase.state in FINAL_STATES:
        return Verdict(purchase.state, purchase.provider_status, attention=why)
    # the provider knows the purchase, so an unconfirmed one was bought; nothing else moves
    state = State.IN_PROGRESS if purchase.state == State.UNCONFIRMED else purchase.state
    return Verdict(state, info.status, attention=why, note=why.lower())


def _is_older(purchase: Purchase, new_state: str, new_status: str) -> bool:
    """An answer older than what we know (a late callback, a stale answer) must not win."""
    old_rank, new_rank = STATE_RANK[State(purchase.state)], STATE_RANK[State(new_state)]
    if new_rank != old_rank:
        return new_rank < old_rank
    # within in_progress the provider's words still move forward (its class ranks them)
    ranks = PROVIDERS[purchase.provider].status_rank if purchase.provider in PROVIDERS else {}
    return ranks.get(new_status, 1) < ranks.get(purchase.provider_status, 1)


def is_foreign(purchase: Purchase, provider: str) -> bool:
    """`provider` answered about a purchase of another provider (a custom_id is unique across providers)."""
    return bool(provider) and provider != purchase.provider


def foreign_words(purchase: Purchase) -> str:
    label = PROVIDERS[purchase.provider].label if purchase.provider in PROVIDERS else purchase.provider
    return f"{purchase.custom_id} is a {label} purchase: another provider's answer changes nothing"


def compute_change(
    purchase: Purchase, info: PurchaseInfo, *, source: str, now: datetime, actor=None
) -> Change | None:
    """The field changes (and event) this answer brings, or None if it brings nothing new or is stale.

    An answer of another provider than the purchase's brings nothing, whichever path carried it."""
    if is_foreign(purchase, info.provider):
        log.warning("an answer of %s ignored: %s", info.provider, foreign_words(purchase))
        return None
    verdict = judge(purchase, info, source=source, now=now)
    if verdict is None:
        return None
    wanted = _wanted_fields(purchase, info, verdict)
    changes = {name: value for name, value in wanted.items() if getattr(purchase, name) != value}
    if not changes:
        return Change(purchase=purchase, verify=True) if verdict.verify else None
    change = Change(purchase=purchase, fields=changes, verify=verdict.verify)
    if "state" in changes or "provider_status" in changes:
        change.event = PurchaseEvent(
            purchase=purchase,
            at=now,
            old_state=purchase.state,
            new_state=verdict.state,
            old_provider_status=purchase.provider_status,
            new_provider_status=verdict.status,
            source=source,
            actor=actor,
            message=verdict.note[:255],
            payload=jsonable(info.raw),
        )
    return change


def _wanted_fields(purchase: Purchase, info: PurchaseInfo, verdict: Verdict) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "state": verdict.state,
        "provider_status": verdict.status,
        "in_hold": verdict.state == State.ON_HOLD,
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
    elif purchase.error_reason.startswith(OUR_ERRORS):
        wanted["error_reason"] = ""  # our guess while we had no answer; the provider has answered now
    if not purchase.item_name and info.item_name:
        wanted["item_name"] = info.item_name
    wanted.update(_attention(purchase, info, verdict))
    return wanted


def _attention(purchase: Purchase, info: PurchaseInfo, verdict: Verdict) -> dict[str, Any]:
    reason = verdict.attention
    if info.unreadable:
        reason = f"{UNREADABLE}: " + ", ".join(info.unreadable)
    resolved = is_resolved(purchase)  # by a person: services/attention.py
    if reason and resolved and purchase.attention_reason == reason[:255]:
        return {}  # a person resolved this very reason: the same answer again does not raise it again
    if reason:
        return {"needs_attention": True, "attention_reason": reason[:255]}
    if purchase.needs_attention and purchase.attention_reason.startswith(CLEARED_BY_A_GOOD_ANSWER):
        return {"needs_attention": False, "attention_reason": ""}  # the provider's answer reads well again
    if resolved and verdict.state != purchase.state:
        return {"attention_reason": ""}  # a resolution concerned the state it was made in
    return {}


def jsonable(value: Any) -> Any:
    """Provider payloads are JSON already; this only guards against Decimals slipping in."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
