"""The one decision of the payout controls over a batch about to be created (or shown for confirmation):
what is refused outright (nothing is created), and which lines wait for an approver and why.

`purchases_create` calls `decide` inside its transaction, after locking the Steam user (and operator), so
the counts it reads cannot move under it; the confirmation page calls it without locks to say beforehand
what the submit will meet. Both read the same rules, so the page never promises what the service refuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.db.models import Model

from ..models import Purchase, SteamUser
from ..money import usd
from ..providers import provider_class
from .limits import Limit, current_limits, over_limit_lines, setting_usd
from .repeat import earlier_purchases, repeat_refusal
from .risk import risk_reasons


class PolicyLine(Protocol):
    """What the controls read of a line (services.create.BuyLine has these)."""

    label: str
    max_price: Decimal
    pay_again: bool


@dataclass
class Decision:
    refusals: list[str] = field(default_factory=list)  # any: the batch is refused, nothing is created
    held: dict[int, list[str]] = field(default_factory=dict)  # line index -> why it waits for approval
    limits: list[Limit] = field(default_factory=list)
    repeats: dict[str, list[Purchase]] = field(default_factory=dict)  # skin name -> earlier purchases
    total: Decimal = Decimal("0")

    def reasons(self, n: int) -> str:
        return "; ".join(self.held.get(n, []))


def decide(
    *,
    steam_user: SteamUser,
    actor: Model | None,
    lines: Sequence[PolicyLine],
    now: datetime,
    balances: Mapping[str, Decimal | None] | None = None,
    providers: Sequence[str] = (),
    over_balance_ok: bool = False,
    exclude: Sequence[int] = (),
) -> Decision:
    """Repeats (refused unless acknowledged), the known balance (refused unless acknowledged), and the
    lines that wait for approval: all of them above PAYOUT_APPROVAL_ABOVE_USD or for a risky recipient,
    the ones over a daily or batch limit. `balances` are the known USD balances of the providers the
    lines (`providers`, one per line) are bought from: each provider's share is compared with its own."""
    prices = [line.max_price for line in lines]
    decision = Decision(total=sum(prices, Decimal("0")))
    decision.repeats = earlier_purchases(
        steam_user=steam_user, names=[line.label for line in lines], now=now, exclude=exclude
    )
    for line in lines:
        earlier = decision.repeats.get(line.label)
        if earlier and not line.pay_again:
            decision.refusals.append(repeat_refusal(line.label, earlier))
    if not over_balance_ok:
        decision.refusals += _over_balance(prices, providers, balances or {})
    decision.limits = current_limits(steam_user=steam_user, actor=actor, now=now)
    everything = _batch_reasons(decision.total, steam_user, now)
    over = over_limit_lines(prices, decision.limits)
    for n in range(len(lines)):
        reasons = everything + over.get(n, [])
        if reasons:
            decision.held[n] = reasons
    return decision


def _over_balance(
    prices: Sequence[Decimal], providers: Sequence[str], balances: Mapping[str, Decimal | None]
) -> list[str]:
    shares: dict[str, Decimal] = {}
    for price, provider in zip(prices, providers, strict=False):
        shares[provider] = shares.get(provider, Decimal("0")) + price
    several = len(shares) > 1
    refusals = []
    for provider, share in shares.items():
        balance = balances.get(provider)
        if balance is None or share <= balance:
            continue
        what = f"The {provider_class(provider).label} lines' total" if several else "The batch's total"
        refusals.append(
            f"{what} max price {usd(share)} is above the provider's balance {usd(balance)}: buy less, "
            "or tick “Send anyway” (buy_skins: --allow-over-balance)."
        )
    return refusals


def _batch_reasons(total: Decimal, steam_user: SteamUser, now: datetime) -> list[str]:
    reasons = risk_reasons(steam_user, now)
    threshold = setting_usd("PAYOUT_APPROVAL_ABOVE_USD")
    if total > threshold:
        reasons.insert(
            0, f"the batch's total {usd(total)} is above the approval threshold of {usd(threshold)}"
        )
    return reasons
