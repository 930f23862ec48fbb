"""Creating purchases for one Steam user: validate, commit the rows with their custom_ids, then enqueue.

Nothing here talks to a provider: the admin request stays fast and the requests happen in the cluster.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Item, Purchase, PurchaseEvent, Route, SteamUser
from ..money import usd
from ..policy.controls import decide
from ..policy.funds import usd_balance
from ..policy.locks import lock_payout_rows
from ..policy.rebuy import rebuy_refusal
from ..providers import PROVIDERS, provider_class
from ..status import REBUYABLE_STATES, State
from .audit import log_additions


class BuyError(Exception):
    """Bad input: nothing was created and nothing was sent. `messages` are for the operator."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass(frozen=True)
class BuyLine:
    max_price: Decimal
    item: Item | None = None
    name: str = ""
    game: str = ""
    replaces: Purchase | None = None
    #: the price the operator was shown (the confirmation page sets it): a max price below it is refused by
    #: the provider, so it is only sent when `acknowledged`
    known_price: Decimal | None = None
    acknowledged: bool = False
    #: "Pay again": the person saw the earlier purchases of this skin for this Steam user and means it
    pay_again: bool = False
    #: where it is bought: the item's provider, else this, else the batch's, else the replaced purchase's
    provider: str = ""
    #: how the provider was chosen (models.Route), what each quoted and what the choice saved (routing.py)
    route: str = ""
    quotes: dict[str, str] = field(default_factory=dict)
    saving: Decimal | None = None

    @property
    def label(self) -> str:
        return self.item.name if self.item else self.name

    @property
    def failover(self) -> bool:
        """The automatic replacement of a line another provider refused (services/failover.py)."""
        return self.route == Route.FAILOVER

    def provider_or(self, default: str) -> str:
        """The item's provider; else the line's; else the batch's (`default`, named by the caller); else
        the replaced purchase's (bought again there); else DEFAULT_PROVIDER."""
        if self.item is not None:
            return self.item.provider
        if self.provider or default:
            return self.provider or default
        return self.replaces.provider if self.replaces is not None else settings.DEFAULT_PROVIDER


@dataclass(frozen=True)
class CreateResult:
    batch_id: uuid.UUID
    purchases: list[Purchase]
    created: bool  # False: this batch was submitted before; nothing new was created


def max_price_cap() -> Decimal:
    return Decimal(str(settings.BUY_MAX_PRICE_PER_ITEM))


def default_max_price(price: Decimal | None) -> Decimal | None:
    """The provider's price plus the tolerance, never above the cap, in cents."""
    if price is None:
        return None
    tolerance = Decimal(str(settings.BUY_PRICE_TOLERANCE))
    return min((price * (1 + tolerance)).quantize(Decimal("0.01")), max_price_cap())


def validate_lines(*, steam_user: SteamUser, provider: str, lines: Sequence[BuyLine]) -> None:
    """What is wrong with the lines themselves (prices, items, replaced purchases): BuyError, nothing made.
    `provider` is the batch's: a line of a catalog item is bought from the item's provider."""
    problems: list[str] = []
    if not lines:
        problems.append("Select at least one item to buy.")
    if not steam_user.has_valid_trade_url:
        problems.append(f"{steam_user} has no valid trade URL: add it on the Steam user's page first.")
    cap = max_price_cap()
    for code in dict.fromkeys(line.provider_or(provider) for line in lines):
        if code not in PROVIDERS:
            problems.append(f"Unknown provider '{code}'.")
    for line in lines:
        line_provider = line.provider_or(provider)
        problems += _line_problems(line, line_provider, cap)
        if line.replaces is not None:
            problems += _replacement_problems(line.replaces, steam_user, line_provider, line.failover)
    if problems:
        raise BuyError(problems)


def _line_problems(line: BuyLine, provider: str, cap: Decimal) -> list[str]:
    problems = []
    if line.max_price is None or line.max_price <= 0:
        problems.append(f"{line.label}: the max price must be a positive number.")
    elif line.max_price > cap:
        problems.append(f"{line.label}: the max price {usd(line.max_price)} is above the cap of {usd(cap)}.")
    elif line.known_price is not None and line.max_price < line.known_price and not line.acknowledged:
        problems.append(_below_price_problem(line, cap))
    if line.item is not None and line.provider and line.item.provider != line.provider:
        problems.append(f"{line.label}: this item belongs to {line.item.provider}, not {line.provider}.")
    if line.item is not None and not line.item.available:
        problems.append(f"{line.label}: the provider lists this item as unavailable.")
    if line.item is None and (len(line.name) < 3 or not line.game):
        problems.append("An item bought by name needs a name of 3+ characters and a game.")
    return problems


def _below_price_problem(line: BuyLine, cap: Decimal) -> str:
    """A max price below the known price: the provider refuses it; sent only when acknowledged."""
    said = (
        f"{line.label}: the max price {usd(line.max_price)} is below the current price "
        f"{usd(line.known_price)}"
    )
    if line.known_price > cap:  # raising the max price cannot help: leaving it out is what works
        return (
            f"{said} (above the cap of {usd(cap)} per item), so the provider would refuse it "
            "(skins_not_found_at_specified_price) and no allowed max price buys it. Leave the line out "
            "(or tick “Send anyway” to have it refused)."
        )
    return (
        f"{said}, so the provider would refuse it (skins_not_found_at_specified_price). Raise the max "
        "price, leave the line out, or tick “Send anyway”."
    )


def _replacement_problems(
    old: Purchase, steam_user: SteamUser, provider: str, failover: bool = False
) -> list[str]:
    """A replacement is for the same Steam user and the same provider as the original, once; a failover
    (the refused line bought at another provider) is for the same Steam user, once, never of a failover."""
    if old.steam_user_id != steam_user.pk:
        return [f"{old.custom_id} was for another Steam user: it is bought again only for its own recipient."]
    if failover and old.route == Route.FAILOVER:
        return [f"{old.custom_id} was a failover already: a line fails over once."]
    if old.provider != provider and not failover:
        label = provider_class(old.provider).label if old.provider in PROVIDERS else old.provider
        return [f"{old.custom_id} was bought from {label}: it is bought again from {label} only."]
    if not old.is_rebuyable:
        state = old.get_state_display().lower()
        return [f"{old.custom_id} is {state}: only failed or rejected purchases are bought again."]
    again = Purchase.objects.filter(replaces=old).values_list("custom_id", flat=True).first()
    if again:
        return [f"{old.custom_id} was already bought again as {again}."]
    return []


def purchases_create(
    *,
    steam_user: SteamUser,
    provider: str = "",
    lines: Sequence[BuyLine],
    actor,
    batch_id: uuid.UUID,
    source: str = "admin",
    enqueue: bool = True,
    over_balance_ok: bool = False,
) -> CreateResult:
    """Create one purchase per line (idempotent per batch_id) through the payout controls, then enqueue
    the buy tasks of those that need no approval.

    Refused with BuyError (nothing created, nothing sent): bad lines, a replaced purchase the provider
    does not confirm as failed, a repeat not acknowledged, a total above the known balance not
    acknowledged. Held (`awaiting_approval`, nothing queued): lines over a limit, batches above the
    approval threshold, risky recipients. The checks and the insert run under the Steam user's lock.

    Each line is bought from its item's provider (else `line.provider`, else `provider`): one batch may
    buy from several providers (routing.py), each checked against its own pause and balance."""
    existing = _batch(batch_id)
    if existing:
        return CreateResult(batch_id, existing, created=False)
    from ..policy.pause import assert_buying_allowed  # pause.py reaches services lazily: import here

    validate_lines(steam_user=steam_user, provider=provider, lines=lines)
    providers = list(dict.fromkeys(line.provider_or(provider) for line in lines))
    for code in providers:
        assert_buying_allowed(code)  # while paused nothing is created (a clear BuyError)
    _confirm_replacements(lines, actor)  # provider reads: before the transaction, never inside it
    balances = {code: usd_balance(code) for code in providers}
    try:
        with transaction.atomic():
            lock_payout_rows(steam_user=steam_user, actor=actor)
            existing = _batch(batch_id)  # a concurrent submit of this batch committed while we waited
            if existing:
                return CreateResult(batch_id, existing, created=False)
            replaced = _replaced_meanwhile(lines)  # while the provider was asked, under no lock
            if replaced:
                raise BuyError(replaced)
            decision = decide(
                steam_user=steam_user,
                actor=actor,
                lines=lines,
                now=timezone.now(),
                balances=balances,
                providers=[line.provider_or(provider) for line in lines],
                over_balance_ok=over_balance_ok,
            )
            if decision.refusals:
                raise BuyError(decision.refusals)
            purchases = Purchase.objects.bulk_create(
                _purchase(line, n, steam_user, provider, actor, batch_id, decision.reasons(n))
                for n, line in enumerate(lines)
            )
            _audit(purchases, actor=actor, source=source, batch_id=batch_id)
            queued = [p for p in purchases if p.state == State.PENDING]
            if enqueue and queued:
                transaction.on_commit(lambda: enqueue_buys(queued))
    except IntegrityError:
        # a concurrent submission of the same batch won the race: it is the one that counts
        existing = _batch(batch_id)
        if not existing:  # not this batch: another purchase took what a line needed (a replaced one)
            raise BuyError(_replaced_meanwhile(lines) or [CONFLICT]) from None
        return CreateResult(batch_id, existing, created=False)
    return CreateResult(batch_id, purchases, created=True)


def _batch(batch_id: uuid.UUID) -> list[Purchase]:
    return list(Purchase.objects.filter(batch_id=batch_id).order_by("batch_line"))


CONFLICT = "Nothing was created: another purchase was made at the same moment. Open the page again."


def _replaced_meanwhile(lines: Sequence[BuyLine]) -> list[str]:
    """Under the Steam user's lock: the replaced purchases bought again, or no longer failed or rejected,
    since `validate_lines` read them (asking the provider leaves a wide window). Two queries, only when
    the batch replaces something."""
    olds = {line.replaces.pk: line.replaces for line in lines if line.replaces is not None}
    if not olds:
        return []
    again = dict(Purchase.objects.filter(replaces_id__in=olds).values_list("replaces_id", "custom_id"))
    states = dict(Purchase.objects.filter(pk__in=olds).values_list("pk", "state"))
    problems = []
    for pk, old in olds.items():
        if pk in again:
            problems.append(f"{old.custom_id} was already bought again as {again[pk]}.")
        elif states.get(pk) not in REBUYABLE_STATES:
            state = State(states[pk]).label.lower() if pk in states else "deleted"
            problems.append(
                f"{old.custom_id} is now {state}: only failed or rejected purchases are bought again."
            )
    return problems


def _confirm_replacements(lines: Sequence[BuyLine], actor) -> None:
    """Buy again asks first: each replaced purchase's failure confirmed by its provider, else refused."""
    # a failover follows the provider's positive refusal, read a moment ago: nothing to ask
    problems = [
        rebuy_refusal(line.replaces, actor=actor)
        for line in lines
        if line.replaces is not None and not line.failover
    ]
    problems = [problem for problem in problems if problem]
    if problems:
        raise BuyError(problems)


def _audit(purchases: list[Purchase], *, actor, source: str, batch_id: uuid.UUID) -> None:
    """Inside the creating transaction: each purchase's first event, and the LogEntry of a person's buy."""
    PurchaseEvent.objects.bulk_create(
        PurchaseEvent(
            purchase=p,
            new_state=p.state,
            source=source,
            actor=actor,
            message=("created; awaiting approval: " + p.approval_reason)[:255]
            if p.approval_reason
            else "created",
        )
        for p in purchases
    )
    log_additions(actor, purchases, f"Created in batch {batch_id} (buy from the {source}).")


def _purchase(line: BuyLine, n: int, user: SteamUser, provider: str, actor, batch_id, held: str) -> Purchase:
    return Purchase(
        state=State.AWAITING_APPROVAL if held else State.PENDING,
        approval_reason=held,
        repeat_acknowledged=line.pay_again,
        provider=line.provider_or(provider),
        route=line.route,
        route_quotes=line.quotes,
        route_saving=line.saving,
        steam_user=user,
        item=line.item,
        item_name=line.label,
        game=line.item.game if line.item else line.game,
        max_price=line.max_price,
        price=None,
        batch_id=batch_id,
        batch_line=n,
        replaces=line.replaces,
        created_by=actor,
    )


def buy_chunks(purchases: Sequence[Purchase], size: int) -> list[list[Purchase]]:
    """Chunks the provider takes in one request; the same catalog item never twice in one chunk."""
    chunks: list[list[Purchase]] = []
    for purchase in purchases:
        target = next(
            (
                c
                for c in chunks
                if len(c) < size and all(p.item_id != purchase.item_id or not p.item_id for p in c)
            ),
            None,
        )
        if target is None:
            chunks.append([purchase])
        else:
            target.append(purchase)
    return chunks


def provider_chunks(purchases: Sequence[Purchase]) -> list[list[Purchase]]:
    """The buy requests of `purchases`: per provider (a batch may buy from several), in chunks each takes."""
    by_provider: dict[str, list[Purchase]] = {}
    for purchase in purchases:
        by_provider.setdefault(purchase.provider, []).append(purchase)
    return [
        chunk
        for code, group in by_provider.items()
        for chunk in buy_chunks(group, provider_class(code).max_batch_size)
    ]


def enqueue_buys(purchases: Sequence[Purchase]) -> int:
    """One task per chunk. Safe to call again: the task only sends what is still pending."""
    from django_q.tasks import async_task

    chunks = provider_chunks(purchases)
    for chunk in chunks:
        async_task("purchases.tasks.send_purchases", [p.pk for p in chunk], group="buy", task_name=None)
    return len(chunks)
