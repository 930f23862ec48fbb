"""The normalized purchase state (DESIGN section 4). Each provider's status map is on its class
(`purchases.providers`): `normalize` reads it through the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models


class State(models.TextChoices):
    PENDING = "pending", "Pending"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    REJECTED = "rejected", "Rejected"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    REVERTED = "reverted", "Reverted"


#: states the sync asks the provider about
OPEN_STATES = frozenset({State.UNCONFIRMED, State.IN_PROGRESS, State.ON_HOLD})
#: states that never change again
FINAL_STATES = frozenset({State.REJECTED, State.DELIVERED, State.FAILED, State.REVERTED})
#: states after which "Buy again" makes sense (nothing was delivered)
REBUYABLE_STATES = frozenset({State.REJECTED, State.FAILED})


@dataclass(frozen=True)
class Normalized:
    state: State
    known: bool  # False: the provider used a word we do not know; the purchase gets flagged


def normalize(
    provider: str,
    provider_status: str,
    *,
    in_hold: bool = False,
    hold_until: datetime | None = None,
    now: datetime,
) -> Normalized:
    """Map a provider's status word to our state.

    An accepted trade still inside Steam Trade Protection (`in_hold`, or a hold end in the future) can be
    rolled back, so it is ON_HOLD, not DELIVERED. Unknown words stay open (IN_PROGRESS) and are flagged.
    """
    from .providers import PROVIDERS  # the provider modules import State from here

    status_map = PROVIDERS[provider].status_map if provider in PROVIDERS else {}
    state = status_map.get((provider_status or "").strip().lower())
    if state is None:
        return Normalized(State.IN_PROGRESS, known=False)
    if state == State.DELIVERED and _held(in_hold, hold_until, now):
        return Normalized(State.ON_HOLD, known=True)
    return Normalized(state, known=True)


def _held(in_hold: bool, hold_until: datetime | None, now: datetime) -> bool:
    """Held while the provider says so, whatever the date says; else while the hold end is ahead.

    `in_hold_until` carries no zone and is read as UTC (`parsing.timestamp`). That is the safe reading:
    SkinsBack's clock is UTC or east of it (UTC+3), so UTC can only put the end later than it is, and a
    late end costs one more poll, while an early one would call a trade final that can still roll back.
    """
    return in_hold or (hold_until is not None and hold_until > now)
