"""The normalized purchase state (DESIGN section 4). Each provider's status map is on its class
(`purchases.providers`); callers hand it to `normalize`, so this module imports no provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models


class State(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    DECLINED = "declined", "Declined"
    PENDING = "pending", "Pending"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    REJECTED = "rejected", "Rejected"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    REVERTED = "reverted", "Reverted"


@dataclass(frozen=True)
class StateInfo:
    """Every fact about one state; the sets and maps the rest of the code uses are derived from these."""

    #: order along the lifecycle: an answer that would move a purchase to a lower rank is stale
    rank: int
    badge_title: str
    #: CSS class of the badge, defined in static/backoffice/backoffice.css
    badge_style: str
    #: the sync asks the provider about it
    open: bool = False
    #: it never changes again (unless later evidence revises it)
    final: bool = False
    #: "Buy again" makes sense: nothing was delivered
    rebuyable: bool = False
    #: the money left the balance
    money_spent: bool = False
    #: the batch list reloads itself while a purchase is in it
    moving: bool = False
    #: the provider's answer to the buy is known (buy_skins waits until it is)
    settled: bool = True
    #: the dashboard counts it as a success (True), a failure (False) or neither (None)
    succeeded: bool | None = None
    #: needs attention once it is older than this (timedelta(0): always; None: never by age)
    attention_after: timedelta | None = None
    #: it may cost money: the payout controls count it (repeats, limits), whatever the provider says later
    may_cost: bool = True


# the longest provider offer window (SkinsBack: 10 minutes) plus a margin for the trade to settle
STUCK_AFTER = timedelta(minutes=30)
PENDING_STUCK_AFTER = timedelta(minutes=5)
FINAL_RANK = 4

STATES: dict[State, StateInfo] = {
    State.AWAITING_APPROVAL: StateInfo(
        rank=0,
        badge_title="Held by the payout controls: nothing is sent until an approver approves it",
        badge_style="bo-state-awaiting_approval",
    ),
    State.DECLINED: StateInfo(
        rank=FINAL_RANK,
        badge_title="Declined by an approver (or its approval expired); nothing was sent",
        badge_style="bo-state-declined",
        final=True,
        rebuyable=True,
        may_cost=False,
    ),
    State.PENDING: StateInfo(
        rank=0,
        badge_title="Saved; the request to the provider is not sent yet",
        badge_style="bo-state-pending",
        moving=True,
        settled=False,
        attention_after=PENDING_STUCK_AFTER,
    ),
    State.UNCONFIRMED: StateInfo(
        rank=1,
        badge_title="Sent, answer lost: resolved by looking it up by custom_id",
        badge_style="bo-state-unconfirmed",
        open=True,
        moving=True,
        settled=False,
        attention_after=timedelta(0),
    ),
    State.REJECTED: StateInfo(
        rank=FINAL_RANK,
        badge_title="The provider refused; nothing was bought",
        badge_style="bo-state-rejected",
        final=True,
        rebuyable=True,
        succeeded=False,
        may_cost=False,
    ),
    State.IN_PROGRESS: StateInfo(
        rank=2,
        badge_title="Bought; the trade offer is being created or waits for the user",
        badge_style="bo-state-in_progress",
        open=True,
        money_spent=True,
        moving=True,
        attention_after=STUCK_AFTER,
    ),
    State.ON_HOLD: StateInfo(
        rank=3,
        badge_title="Accepted, inside Steam Trade Protection: can still be rolled back",
        badge_style="bo-state-on_hold",
        open=True,
        money_spent=True,
        succeeded=True,
    ),
    State.DELIVERED: StateInfo(
        rank=FINAL_RANK,
        badge_title="Accepted and out of hold",
        badge_style="bo-state-delivered",
        final=True,
        money_spent=True,
        succeeded=True,
    ),
    State.FAILED: StateInfo(
        rank=FINAL_RANK,
        badge_title="The trade did not happen",
        badge_style="bo-state-failed",
        final=True,
        rebuyable=True,
        money_spent=True,
        succeeded=False,
        may_cost=False,
    ),
    State.REVERTED: StateInfo(
        rank=FINAL_RANK,
        badge_title="Rolled back after acceptance",
        badge_style="bo-state-reverted",
        final=True,
        money_spent=True,
        succeeded=False,
        may_cost=False,
    ),
}


def states_where(predicate) -> frozenset[State]:
    return frozenset(state for state, info in STATES.items() if predicate(info))


#: states the sync asks the provider about
OPEN_STATES = states_where(lambda info: info.open)
#: states of a purchase that may cost money: the repeat guard and the limits count them
COST_STATES = states_where(lambda info: info.may_cost)
#: states that never change again
FINAL_STATES = states_where(lambda info: info.final)
#: states after which "Buy again" makes sense (nothing was delivered)
REBUYABLE_STATES = states_where(lambda info: info.rebuyable)
#: while a purchase of a batch is in one of these states, the batch list reloads itself
MOVING_STATES = states_where(lambda info: info.moving)
#: the buy's outcome is not known yet
UNSETTLED_STATES = states_where(lambda info: not info.settled)
#: money left the balance
SPENT_STATES = states_where(lambda info: info.money_spent)
SUCCEEDED_STATES = states_where(lambda info: info.succeeded is True)
UNSUCCESSFUL_STATES = states_where(lambda info: info.succeeded is False)
#: order along the lifecycle; every final state shares the last rank
STATE_RANK: dict[State, int] = {state: info.rank for state, info in STATES.items()}
BADGE_TITLES: dict[State, str] = {state: info.badge_title for state, info in STATES.items()}


@dataclass(frozen=True)
class Normalized:
    state: State
    known: bool  # False: the provider used a word we do not know; the purchase gets flagged


def normalize(
    status_map: Mapping[str, State],
    provider_status: str,
    *,
    in_hold: bool = False,
    hold_until: datetime | None = None,
    now: datetime,
) -> Normalized:
    """Map a provider's status word to our state, by that provider's `status_map` (its class's).

    An accepted trade still inside Steam Trade Protection (`in_hold`, or a hold end in the future) can be
    rolled back, so it is ON_HOLD, not DELIVERED. Unknown words stay open (IN_PROGRESS) and are flagged.
    """
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


# ------------------------------------------------------------------ reasons in words (support pages)

#: what a provider's status or error word means, in words a support agent can repeat. The words of both
#: providers (SkinsBack's offer_status / error_message / error_reason, Skinify's purchase_status and
#: error_message), from shared/api; a word not listed is shown as the provider wrote it.
TRADE_NOT_CREATED = "the provider could not create the trade offer; it says try again (a new purchase)"
REASON_WORDS: dict[str, str] = {
    # statuses of a trade that did not happen or was rolled back
    "canceled": "the user declined the trade offer",
    "timeout": "the user did not accept the trade offer in time",
    "invalid_trade_token": "the trade URL is no longer valid: ask the user for a new one",
    "error_invalid_token": "the trade URL is no longer valid: ask the user for a new one",
    "user_not_tradable": "the user cannot trade (a Steam trade restriction)",
    "error_user_not_tradable": "the user cannot trade (a Steam trade restriction)",
    "trade_create_error": TRADE_NOT_CREATED,
    "error_create_failed": TRADE_NOT_CREATED,
    "error_item_unavailable": "the skin is no longer available",
    "reservation_canceled": "the reservation was canceled",
    "rollback_user": "the user reverted the trade during Steam Trade Protection",
    "rollback_supplier": "the seller reverted the trade during Steam Trade Protection",
    "rollback_provider": "the provider reverted the trade during Steam Trade Protection",
    # error_reason beside a failed status
    "user_cant_trade": "the user cannot trade (a Steam trade restriction)",
    "private_inventory": "the user's inventory is private: it must be public",
    "user_trade_ban": "the user has a Steam trade ban",
    "user_inventory_is_full": "the user's inventory is full",
    "too_many_failed_attempts": "too many failed deliveries to this user: wait before buying again",
    "too_many_failed_attempts_for_user": "too many failed deliveries to this user: wait before buying again",
    "skin_unavailable": "the skin was sold or is unavailable",
    # refusals of the buy itself
    "insufficient_funds": "our balance at the provider was too low",
    "skins_not_found_at_specified_price": "nothing on sale at or below the max price",
    "invalid_partner_value": "the trade URL is not valid: ask the user for a new one",
    "invalid_token_value": "the trade URL is no longer valid: ask the user for a new one",
    "custom_id_already_exists": "the provider has this custom_id already (looked up, never bought twice)",
}

#: statuses after which the provider's documentation says the money is returned
DOCUMENTED_REFUNDS: dict[str, str] = {
    "reservation_canceled": "Skinify documents a full refund of a canceled reservation",
}


def reason_words(word: str | None) -> str:
    """The meaning of a provider word ('' for none); an unknown word is given back as it is."""
    word = (word or "").strip()
    return REASON_WORDS.get(word.lower(), word)
