"""A purchase and the scripted path its status follows on the sandbox clock."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from .catalog import Listing
from .config import (
    SKINIFY,
    SKINSBACK,
    STEAM_ID64_BASE,
    T_FINAL,
    T_HOLD,
    T_RESERVED,
    T_ROLLBACK,
    T_WAITING_ACCEPT,
)

# Outcome buckets out of 1000, chosen from sha256(seed|provider|custom_id). About 65 % accepted, a third of
# those with a trade-protection hold (some of which roll back), the rest failures.
OUTCOMES = (
    (430, "accepted"),
    (580, "accepted_hold"),
    (615, "rollback_user"),
    (650, "rollback_supplier"),
    (770, "canceled"),
    (870, "timeout"),
    (930, "create_error"),
    (965, "invalid_token"),
    (985, "not_tradable"),
    (1000, "item_unavailable"),
)
RESERVED_PERMILLE = 60  # Skinify only: starts as `reserved`
STATUS_NAMES = {
    SKINSBACK: {
        "start": "creating_trade",
        "create_error": "trade_create_error",
        "invalid_token": "invalid_trade_token",
        "not_tradable": "user_not_tradable",
        "item_unavailable": "trade_create_error",
        "rollback_supplier": "rollback_supplier",
    },
    SKINIFY: {
        "start": "processing",
        "create_error": "error_create_failed",
        "invalid_token": "error_invalid_token",
        "not_tradable": "error_user_not_tradable",
        "item_unavailable": "error_item_unavailable",
        "rollback_supplier": "rollback_provider",
    },
}
ERROR_REASONS = {"not_tradable": "user_cant_trade", "item_unavailable": "skin_unavailable"}
ROLLBACKS = ("rollback_user", "rollback_supplier", "rollback_provider")
NO_TRADE_OFFER = {"create_error", "invalid_token", "not_tradable", "item_unavailable"}


@dataclass(slots=True)
class Step:
    at: float
    status: str
    error_reason: str | None = None


@dataclass(slots=True)
class Snapshot:
    status: str
    error_reason: str | None
    in_hold: bool
    hold_until: float | None
    trade_offer_id: str | None
    reserved_until: float | None
    open: bool


@dataclass(slots=True)
class Purchase:
    provider: str
    buy_id: int
    custom_id: str | None
    listing: Listing
    price: Decimal
    steamid: str
    partner: str
    token: str
    created_at: float
    steps: list[Step]
    trade_offer_id: str
    outcome: str
    hold_until: float | None = None
    reserved_until: float | None = None
    offer_at: float | None = None
    notified: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    def snapshot(self, now: float) -> Snapshot:
        step = self.current_step(now)
        in_hold = step.status == "accepted" and self.hold_until is not None and now < self.hold_until
        has_offer = self.offer_at is not None and now >= self.offer_at
        still_moving = self.steps[-1].at > now or in_hold
        return Snapshot(
            status=step.status,
            error_reason=step.error_reason,
            in_hold=in_hold,
            hold_until=self.hold_until if step.status in ("accepted", *ROLLBACKS) else None,
            trade_offer_id=self.trade_offer_id if has_offer else None,
            reserved_until=self.reserved_until,
            open=still_moving,
        )

    def current_step(self, now: float) -> Step:
        current = self.steps[0]
        for step in self.steps:
            if step.at > now:
                break
            current = step
        return current

    def due_steps(self, now: float) -> list[Step]:
        """Steps reached since the last webhook notification; marks them notified."""
        reached = sum(1 for step in self.steps if step.at <= now)
        due = self.steps[self.notified + 1 : reached] if reached > self.notified + 1 else []
        self.notified = max(self.notified, reached - 1)
        return due

    def force(self, now: float, status: str, error_reason: str | None, hold_seconds: float | None) -> Step:
        """Replace the rest of the script by `status`, now; it stays there (a hold still expires)."""
        kept = [step for step in self.steps if step.at <= now]
        step = Step(now, status, error_reason)
        self.steps = [*kept, step]
        self.notified = min(self.notified, len(kept) - 1)
        if status == "waiting_accept" and (self.offer_at is None or self.offer_at > now):
            self.offer_at = now
        if hold_seconds is not None:
            self.hold_until = now + hold_seconds if hold_seconds > 0 else None
        elif status not in ("accepted", *ROLLBACKS):
            self.hold_until = None
        return step


def choose_outcome(seed: int, provider: str, key: str) -> tuple[str, bool]:
    """(outcome, starts reserved) for a purchase, deterministic in (seed, provider, custom_id)."""
    digest = hashlib.sha256(f"{seed}|{provider}|{key}".encode()).digest()
    roll = int.from_bytes(digest[:4], "big") % 1000
    outcome = next(name for limit, name in OUTCOMES if roll < limit)
    if provider == SKINSBACK and outcome == "item_unavailable":
        outcome = "create_error"
    reserved = provider == SKINIFY and int.from_bytes(digest[4:8], "big") % 1000 < RESERVED_PERMILLE
    return outcome, reserved


def build_script(
    provider: str, outcome: str, reserved: bool, t0: float
) -> tuple[list[Step], dict[str, float]]:
    """The timeline of one purchase: steps plus offer_at / hold_until / reserved_until."""
    names = STATUS_NAMES[provider]
    steps: list[Step] = []
    times: dict[str, float] = {}
    start = t0
    if reserved:
        steps.append(Step(t0, "reserved"))
        start = times["reserved_until"] = t0 + T_RESERVED
    steps.append(Step(start, names["start"]))
    if outcome in NO_TRADE_OFFER:
        steps.append(Step(start + T_WAITING_ACCEPT, names[outcome], ERROR_REASONS.get(outcome)))
        return steps, times
    times["offer_at"] = start + T_WAITING_ACCEPT
    steps.append(Step(times["offer_at"], "waiting_accept"))
    final_at = start + T_FINAL
    steps.append(Step(final_at, outcome if outcome in ("canceled", "timeout") else "accepted"))
    if outcome in ("accepted_hold", "rollback_user", "rollback_supplier"):
        times["hold_until"] = final_at + T_HOLD
    if outcome in ("rollback_user", "rollback_supplier"):
        steps.append(Step(final_at + T_ROLLBACK, names.get(outcome, outcome)))
    return steps, times


def new_purchase(
    seed: int,
    provider: str,
    buy_id: int,
    offer_id: str,
    listing: Listing,
    custom_id: str | None,
    partner: str,
    token: str,
    created: float,
) -> Purchase:
    """A purchase with its scripted path, chosen from (seed, provider, custom_id or buy_id)."""
    outcome, reserved = choose_outcome(seed, provider, custom_id or f"#{buy_id}")
    steps, times = build_script(provider, outcome, reserved, created)
    steam_id = str(STEAM_ID64_BASE + int(partner)) if partner.isdigit() else ""
    return Purchase(
        provider,
        buy_id,
        custom_id,
        listing,
        listing.price,
        steam_id,
        partner,
        token,
        created,
        steps,
        offer_id,
        outcome,
        **times,
    )
