"""Four-eyes approval: what the payout controls hold (`awaiting_approval`) is approved or declined by a
user with `purchases.approve_purchases` who did not create it. Approving checks the repeat guard again
(under the Steam user's lock) and then queues the buy; declining is final (`declined`: nothing was sent; it
may be bought again). Requests older than PAYOUT_APPROVAL_EXPIRES_HOURS expire as declined: prices move.
Each decision is a PurchaseEvent and a LogEntry naming the actor."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone

from .. import permissions
from ..models import Purchase, PurchaseEvent
from ..services.audit import is_person, log_changes
from ..status import State
from .limits import current_limits
from .locks import lock_payout_rows
from .repeat import describe, earlier_purchases

EXPIRED = "approval expired: not decided within {hours} h, and prices move"


@dataclass
class DecisionReport:
    done: list[str] = field(default_factory=list)  # custom_ids approved (queued) or declined
    refused: list[str] = field(default_factory=list)  # why each of the others was not

    def summary(self, verb: str) -> str:
        text = f"{len(self.done)} purchase(s) {verb}"
        return text + (f"; {len(self.refused)} not: " + " ".join(self.refused[:10]) if self.refused else ".")


def expiry() -> timedelta:
    return timedelta(hours=int(settings.PAYOUT_APPROVAL_EXPIRES_HOURS))


def can_approve(actor) -> bool:
    return is_person(actor) and actor.has_perm(permissions.APPROVE)


def purchases_approve(*, purchase_ids: Sequence[int], actor, source: str = "admin") -> DecisionReport:
    """Approve what `actor` may approve (never their own); the approved are queued after commit."""
    report = DecisionReport()
    if not can_approve(actor):
        report.refused.append("You may not approve purchases (purchases.approve_purchases).")
        return report
    for user_purchases in _awaiting_by_user(purchase_ids, report):
        _approve_for_user(user_purchases, actor=actor, source=source, report=report)
    return report


def purchases_decline(
    *, purchase_ids: Sequence[int], actor, reason: str = "", source: str = "admin"
) -> DecisionReport:
    report = DecisionReport()
    if not can_approve(actor):
        report.refused.append("You may not decline purchases (purchases.approve_purchases).")
        return report
    for user_purchases in _awaiting_by_user(purchase_ids, report):
        with transaction.atomic():
            for purchase in user_purchases:
                why = f"declined by {actor.get_username()}" + (f": {reason}" if reason else "")
                _decide(purchase, State.DECLINED, actor=actor, source=source, why=why, report=report)
    return report


def approvals_expire(*, now: datetime | None = None) -> int:
    """Decline every request older than the expiry (the schedule runs this); returns how many."""
    now = now or timezone.now()
    stale = Purchase.objects.filter(state=State.AWAITING_APPROVAL, created_at__lt=now - expiry())
    report = DecisionReport()
    why = EXPIRED.format(hours=int(settings.PAYOUT_APPROVAL_EXPIRES_HOURS))
    with transaction.atomic():
        for purchase in stale.order_by("pk")[:5000]:
            _decide(purchase, State.DECLINED, actor=None, source="command", why=why, report=report)
    return len(report.done)


def _awaiting_by_user(purchase_ids: Sequence[int], report: DecisionReport) -> list[list[Purchase]]:
    rows = Purchase.objects.filter(pk__in=list(purchase_ids)).select_related("steam_user", "created_by")
    groups: dict[int, list[Purchase]] = defaultdict(list)
    for purchase in rows.order_by("pk"):
        if purchase.state != State.AWAITING_APPROVAL:
            report.refused.append(
                f"{purchase.custom_id} is {purchase.get_state_display().lower()}, not awaiting."
            )
        else:
            groups[purchase.steam_user_id].append(purchase)
    return list(groups.values())


def _approve_for_user(purchases: list[Purchase], *, actor, source: str, report: DecisionReport) -> None:
    approved: list[Purchase] = []
    now = timezone.now()
    with transaction.atomic():
        lock_payout_rows(steam_user=purchases[0].steam_user)
        # under the lock: the repeats and limits read once for the Steam user, as the confirmation showed them
        for check in approval_checks(purchases, now=now):
            purchase = check.purchase
            problem = _approval_problem(check, actor=actor, now=now)
            if problem == EXPIRED:
                why = EXPIRED.format(hours=int(settings.PAYOUT_APPROVAL_EXPIRES_HOURS))
                # declined by the expiry, not by this approver: not among what this call approved
                if _decide(
                    purchase, State.DECLINED, actor=None, source=source, why=why, report=DecisionReport()
                ):
                    report.refused.append(f"{purchase.custom_id}: {why} (declined).")
                else:
                    report.refused.append(f"{purchase.custom_id} was decided meanwhile.")
            elif problem:
                report.refused.append(f"{purchase.custom_id}: {problem}")
            elif _decide(
                purchase,
                State.PENDING,
                actor=actor,
                source=source,
                why=_approved(actor, check.over),
                report=report,
            ):
                approved.append(purchase)
        if approved:
            from ..services.create import enqueue_buys

            transaction.on_commit(lambda: enqueue_buys(approved))


def _approved(actor, over: list[str]) -> str:
    text = f"approved by {actor.get_username()}: queued for buying"
    return text + (" (approved over " + "; ".join(over) + ")" if over else "")


def over_limits(purchase: Purchase, *, now: datetime, cache: dict | None = None) -> list[str]:
    """The daily limits this purchase is over as of now (the limits checked again at approval). The
    approver is the override: what is over is recorded in the decision's event, and shown before.
    `cache` keeps the limits per (Steam user, creator) across the purchases of one decision."""
    key = (purchase.steam_user_id, purchase.created_by_id)
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = current_limits(steam_user=purchase.steam_user, actor=purchase.created_by, now=now)
    # the held purchase already counts in `used` (awaiting approval may cost money)
    return [limit.words() for limit in cache[key] if limit.key != "batch" and limit.used > limit.limit]


def _blocks(earlier: Purchase, purchase: Purchase) -> bool:
    """An earlier purchase that makes approving `purchase` a repeat: outside its batch, and created after
    it when its creator ticked "Pay again" (they saw those before)."""
    if earlier.batch_id is not None and earlier.batch_id == purchase.batch_id:
        return False
    return not purchase.repeat_acknowledged or earlier.created_at > purchase.created_at


@dataclass(frozen=True)
class Check:
    purchase: Purchase
    over: list[str]  # daily limits it is over now
    repeats: list[Purchase]  # purchases of the skin for the user that make approving it a repeat


def approval_checks(purchases: Sequence[Purchase], *, now: datetime) -> list[Check]:
    """What approving each would meet, read now: a few queries per Steam user, not per purchase."""
    by_user: dict[int, list[Purchase]] = defaultdict(list)
    for purchase in purchases:
        by_user[purchase.steam_user_id].append(purchase)
    earlier: dict[int, dict[str, list[Purchase]]] = {}
    for user_id, group in by_user.items():
        names = [p.item_name for p in group]
        # the others chosen with it are not left out: two held requests for one skin are a repeat too
        earlier[user_id] = earlier_purchases(steam_user=group[0].steam_user, names=names, now=now)
    limits: dict = {}
    return [
        Check(
            purchase,
            over_limits(purchase, now=now, cache=limits),
            [
                p
                for p in earlier[purchase.steam_user_id].get(purchase.item_name, [])
                if p.pk != purchase.pk and _blocks(p, purchase)
            ],
        )
        for purchase in purchases
    ]


def _approval_problem(check: Check, *, actor, now: datetime) -> str:
    purchase = check.purchase
    if purchase.created_by_id == actor.pk:
        return "you created it: another approver must approve it (four eyes)."
    if purchase.created_at < now - expiry():
        return EXPIRED
    if check.repeats:
        listed = "; ".join(describe(p) for p in check.repeats[:5])
        return f"a repeat of {listed}: decline it, or have it bought again with “Pay again” ticked."
    return ""


def _decide(
    purchase: Purchase, state: State, *, actor, source: str, why: str, report: DecisionReport
) -> bool:
    """awaiting_approval -> `state` if it still is awaiting (two approvers never both decide it)."""
    now = timezone.now()
    fields = {"state": state, "decided_by": actor if is_person(actor) else None, "decided_at": now}
    if state == State.DECLINED:
        fields.update(error_code="declined", error_reason=why[:255])
    won = Purchase.objects.filter(pk=purchase.pk, state=State.AWAITING_APPROVAL).update(
        **fields, updated_at=now
    )
    if not won:
        report.refused.append(f"{purchase.custom_id} was decided meanwhile.")
        return False
    PurchaseEvent.objects.create(
        purchase=purchase,
        at=now,
        old_state=State.AWAITING_APPROVAL,
        new_state=state,
        source=source,
        actor=actor if is_person(actor) else None,
        message=why[:255],
    )
    log_changes(actor, [(purchase.pk, str(purchase), why)])
    for name, value in fields.items():
        setattr(purchase, name, value)
    report.done.append(purchase.custom_id)
    return True


QUEUE_PAGE = 200  # the oldest first: they expire first


@dataclass(frozen=True)
class Queue:
    count: int
    total: Decimal
    purchases: list[Purchase]
    oldest: datetime | None

    @property
    def more(self) -> int:
        return max(self.count - len(self.purchases), 0)


def approval_queue(*, limit: int = QUEUE_PAGE) -> Queue:
    """What waits for an approver: count and total (one aggregate over the state index's awaiting rows,
    a few at most: they are declined after PAYOUT_APPROVAL_EXPIRES_HOURS) and the oldest `limit`."""
    figures = queue_figures()
    waiting = Purchase.objects.filter(state=State.AWAITING_APPROVAL)
    rows = list(waiting.select_related("steam_user", "created_by").order_by("created_at", "pk")[:limit])
    return Queue(figures.count, figures.total, rows, figures.oldest)


def queue_figures() -> Queue:
    """The dashboard's card: how many wait, for how much, since when (one aggregate, no rows)."""
    waiting = Purchase.objects.filter(state=State.AWAITING_APPROVAL)
    figures = waiting.aggregate(count=Count("pk"), total=Sum("max_price"), oldest=Min("created_at"))
    return Queue(figures["count"], figures["total"] or Decimal("0"), [], figures["oldest"])


def expires_at(purchase: Purchase) -> datetime:
    return purchase.created_at + expiry()
