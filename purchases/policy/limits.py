"""The payout limits, in USD of max prices over the last 24 hours (a rolling day: no midnight to wait
for), counted over every purchase that may cost money: per operator (a superuser may set one operator's
own limit: OperatorLimit), per Steam user, per batch. A line over a limit waits for an approver."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from ..models import OperatorLimit, Purchase, SteamUser
from ..money import usd
from ..status import COST_STATES

DAY = timedelta(hours=24)


def setting_usd(name: str) -> Decimal:
    return Decimal(str(getattr(settings, name)))


@dataclass(frozen=True)
class Limit:
    key: str  # "operator" | "steam_user" | "batch"
    label: str  # "your daily limit", ...
    limit: Decimal
    used: Decimal = Decimal("0")

    @property
    def left(self) -> Decimal:
        return max(self.limit - self.used, Decimal("0"))

    def words(self) -> str:
        return f"{self.label}: {usd(self.used)} used of {usd(self.limit)}, {usd(self.left)} left"


def operator_limit(actor) -> Decimal:
    own = OperatorLimit.objects.filter(user_id=actor.pk).values_list("daily_limit_usd", flat=True).first()
    return own if own is not None else setting_usd("PAYOUT_LIMIT_PER_OPERATOR_DAY_USD")


def _used(now: datetime, **where) -> Decimal:
    rows = Purchase.objects.filter(state__in=sorted(COST_STATES), created_at__gte=now - DAY, **where)
    return rows.aggregate(total=Sum("max_price"))["total"] or Decimal("0")


def current_limits(*, steam_user: SteamUser, actor, now: datetime) -> list[Limit]:
    """The daily limits that apply and what is used of them (two aggregates over indexed rows)."""
    limits = []
    if actor is not None and getattr(actor, "pk", None):
        used = _used(now, created_by_id=actor.pk)
        limits.append(Limit("operator", "your daily limit", operator_limit(actor), used))
    user_used = _used(now, steam_user_id=steam_user.pk) if steam_user.pk else Decimal("0")
    user_limit = setting_usd("PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD")
    limits.append(Limit("steam_user", "this Steam user's daily limit", user_limit, user_used))
    limits.append(Limit("batch", "the limit per batch", setting_usd("PAYOUT_LIMIT_PER_BATCH_USD")))
    return limits


def over_limit_lines(prices: Sequence[Decimal], limits: Sequence[Limit]) -> dict[int, list[str]]:
    """Line index -> the limits it goes over, walking the lines in order with running totals."""
    over: dict[int, list[str]] = {}
    running = {limit.key: limit.used for limit in limits}
    for n, price in enumerate(prices):
        for limit in limits:
            running[limit.key] += price
            if running[limit.key] > limit.limit:
                over.setdefault(n, []).append(f"over {limit.label} of {usd(limit.limit)}")
    return over
