"""Where the money went (issue 21): what support is asked is not "how much was spent" but "how much was
delivered, how much is still on the way, how much went to failed offers, and what came back".

What left the balance is the debit: `balance_debited`, else the price (as the dashboard counts it), in the
states that spend money (`status.SPENT_STATES`). Each state's debit goes to one part of the split:

- delivered: accepted and out of Steam Trade Protection (final);
- on hold: accepted but inside Steam Trade Protection. The skin is with the user, yet the trade can still
  be rolled back (it then becomes reverted), so it is its own part rather than counted as delivered;
- on the way: bought, the trade offer not accepted yet (in progress);
- failed, refund not known: failed or reverted, less what was recorded as refunded;
- refunded: the Refund rows of those purchases (`refund_models.Refund`).

The parts add up exactly to the total debited (Decimal end to end; a refund is subtracted from the part of
its purchase's state). Purchases whose outcome is not known yet (pending, unconfirmed) have no debit
known: `awaited_max` says how much more they may cost at most (their max prices). A refund recorded on a
purchase in a state that debited nothing is not counted (the refund service refuses to record one).

One aggregate query per page: `money_by_state` groups by state, the refunds summed by a correlated
subquery (never a join, which would count a debit once per refund).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db import models
from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from .models import Purchase, Refund
from .money import CENT, usd
from .status import STATES, UNSETTLED_STATES, State

ZERO = Decimal("0")
#: the precision of the purchase's money columns (models.money_field); refunds are in cents
PLACES = Decimal("0.0001")
#: the one currency of every provider we have (Refund.currency is stored lower case, as the providers write)
CURRENCY = "USD"
#: what left the balance for one purchase: the debit the provider reported, else the price
DEBIT = Coalesce("balance_debited", "price")


class Part(models.TextChoices):
    DELIVERED = "delivered", "delivered"
    ON_HOLD = "on_hold", "on hold (accepted, can still be rolled back)"
    ON_THE_WAY = "on_the_way", "on the way"
    FAILED = "failed", "failed, refund not known"
    REFUNDED = "refunded", "refunded"


#: what each part means, for the title of its figure on the pages
PART_TITLES: dict[str, str] = {
    Part.DELIVERED: "Accepted by the user and out of Steam Trade Protection",
    Part.ON_HOLD: "Accepted, inside Steam Trade Protection: the trade can still be rolled back",
    Part.ON_THE_WAY: "Bought; the trade offer is not accepted yet",
    Part.FAILED: (
        "Failed or reverted purchases whose debit is not known to have come back: check the provider's "
        "balance history, then record the refund on the purchase's page"
    ),
    Part.REFUNDED: "Refunds recorded on failed or reverted purchases (seen at the provider)",
}


def part_of(state: str) -> Part | None:
    """The part of the split a state's debit goes to; None for a state that debited nothing."""
    info = STATES.get(state) if state in State.values else None
    if info is None or not info.money_spent:
        return None
    if info.succeeded is False:
        return Part.FAILED
    if info.open:
        return Part.ON_HOLD if info.succeeded else Part.ON_THE_WAY
    return Part.DELIVERED


#: the part of every state that debits money (states not listed debited nothing)
PART_OF_STATE: dict[str, Part] = {s: p for s in State.values if (p := part_of(s)) is not None}


@dataclass(frozen=True)
class StateMoney:
    """One state's row of the aggregate: how many, what they debited, what was refunded, their max prices."""

    count: int = 0
    debited: Decimal = ZERO
    refunded: Decimal = ZERO
    max_price: Decimal = ZERO


@dataclass(frozen=True)
class SpendSplit:
    delivered: Decimal = ZERO
    on_hold: Decimal = ZERO
    on_the_way: Decimal = ZERO
    failed: Decimal = ZERO
    refunded: Decimal = ZERO
    #: the most the purchases whose outcome is not known yet may still cost (their max prices)
    awaited_max: Decimal = ZERO
    currency: str = CURRENCY

    @property
    def debited(self) -> Decimal:
        """Everything that left the balance: the parts add up to it exactly."""
        return self.delivered + self.on_hold + self.on_the_way + self.failed + self.refunded

    def amount(self, part: Part | str) -> Decimal:
        return getattr(self, str(part))

    def parts(self) -> list[tuple[str, str, Decimal, str]]:
        """(part, label, amount, title) of the non-zero parts, in order; delivered always."""
        return [
            (str(p), p.label, self.amount(p), PART_TITLES[p])
            for p in Part
            if p == Part.DELIVERED or self.amount(p)
        ]

    def __add__(self, other: SpendSplit) -> SpendSplit:
        amounts = [f.name for f in fields(self) if f.name != "currency"]
        return SpendSplit(**{name: getattr(self, name) + getattr(other, name) for name in amounts})

    @classmethod
    def of_state(cls, state: str, money: StateMoney) -> SpendSplit:
        part = PART_OF_STATE.get(state)
        awaited = money.max_price if state in UNSETTLED_STATES else ZERO
        if part is None:
            return cls(awaited_max=awaited)
        refunded = money.refunded
        return cls(**{str(part): money.debited - refunded, "refunded": refunded, "awaited_max": awaited})

    @classmethod
    def of(cls, by_state: Mapping[str, StateMoney]) -> SpendSplit:
        return sum((cls.of_state(state, money) for state, money in by_state.items()), cls())

    @classmethod
    def of_row(cls, state: str, debited: Decimal | None, refunded: Decimal | None) -> SpendSplit:
        """One purchase's split (the CSV export): its debit in its part, its refunds apart."""
        return cls.of_state(state, StateMoney(count=1, debited=debited or ZERO, refunded=refunded or ZERO))


def refunded_sum() -> Subquery:
    """What was refunded for the purchase of the outer query (NULL for none): a correlated subquery."""
    refunds = (
        Refund.objects.filter(purchase=OuterRef("pk"))
        .order_by()
        .values("purchase")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(refunds, output_field=DecimalField(max_digits=14, decimal_places=2))


def money_by_state(purchases: QuerySet[Purchase]) -> dict[str, StateMoney]:
    """One query: per state, the count, the debit, the refunds and the max prices of `purchases`."""
    rows = (
        purchases.order_by()
        .values_list("state")
        .annotate(n=Count("pk"), debited=Sum(DEBIT), refunded=Sum(refunded_sum()), most=Sum("max_price"))
    )
    return {
        state: StateMoney(n, _exact(debited, PLACES), _exact(refunded, CENT), _exact(most, PLACES))
        for state, n, debited, refunded, most in rows
    }


def _exact(total: Decimal | None, places: Decimal) -> Decimal:
    """A sum at the precision of the column it adds up. SQLite sums decimals as floats (0.30000000000000004):
    no stored amount is finer than its column, so quantizing gives the exact sum back."""
    return ZERO if total is None else total.quantize(places)


def spend_split(purchases: QuerySet[Purchase]) -> SpendSplit:
    return SpendSplit.of(money_by_state(purchases))


def cents(amount: Decimal | None) -> str:
    """A machine-readable amount with two decimals (`18.70`); a finer one keeps its digits, never rounded
    away (the same rule as `money.money`). None is an empty cell."""
    if amount is None:
        return ""
    exact = amount.quantize(CENT)
    return format(exact if exact == amount else amount.normalize(), "f")


def described(split: SpendSplit) -> str:
    """The split in one line, for commands and messages: `22.49 USD debited: 3.77 USD delivered · …`."""
    parts = " · ".join(f"{usd(amount)} {label}" for _, label, amount, _ in split.parts())
    return f"{usd(split.debited)} debited: {parts}"


def total_of(splits: Iterable[SpendSplit]) -> SpendSplit:
    return sum(splits, SpendSplit())
