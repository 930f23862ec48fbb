"""Recording a refund an operator saw at the provider (issue 21).

Neither provider says in its purchase answers whether a failed trade's debit came back, and our SkinsBack
client has no method for the balance history the vendor's docs only name ("the history of withdrawals and
deposits of money", no parameters documented). So an operator who sees the refund in the provider's
dashboard records it here: the amount (at most what was debited less what is already recorded), the
provider's reference of it (once per purchase), a note. One Refund, one PurchaseEvent (the timeline) and
one LogEntry (the admin's history), in one transaction under the purchase's row lock.

Who may: `purchases.buy_skins` (Operators, superusers): the people who spend the money and read the
provider's dashboard. No new permission (it would need a migration of Purchase.Meta.permissions); Support
only reads refunds.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from .. import permissions
from ..models import EventSource, Purchase, PurchaseEvent, Refund, RefundSource
from ..money import CENT, usd
from ..status import SPENT_STATES, UNSUCCESSFUL_STATES, State
from .audit import is_person, log_changes

#: failed or reverted after a debit: the only purchases a refund is recorded on
REFUNDABLE_STATES = SPENT_STATES & UNSUCCESSFUL_STATES
REFERENCE_MAX = 128
NOTE_MAX = 255
PERMISSION = permissions.BUY


class RefundRefused(Exception):
    """Nothing was recorded; the message says why, in words for the person who asked."""


def can_record_refund(actor) -> bool:
    return is_person(actor) and actor.has_perm(PERMISSION)


def debit_of(purchase: Purchase) -> Decimal | None:
    """What left the balance for it: the debit reported, else the price (as the spend split counts it)."""
    return purchase.balance_debited if purchase.balance_debited is not None else purchase.price


def refunded_of(purchase: Purchase) -> Decimal:
    return Refund.objects.filter(purchase=purchase).aggregate(total=Sum("amount"))["total"] or Decimal(0)


def refund_record(*, purchase: Purchase, amount: Decimal, reference: str, actor, note: str = "") -> Refund:
    """Record a refund of `amount` USD seen at the provider under `reference`; raises RefundRefused."""
    if not can_record_refund(actor):
        raise RefundRefused(f"You may not record refunds ({PERMISSION}).")
    amount = _valid_amount(amount)
    reference = _valid_text(reference, "reference", REFERENCE_MAX, required=True)
    note = _valid_text(note, "note", NOTE_MAX, required=False)
    try:
        with transaction.atomic():
            locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
            _check_room(locked, amount, reference)
            refund = Refund.objects.create(
                purchase=locked,
                amount=amount,
                reference=reference,
                source=RefundSource.OPERATOR,
                recorded_by=actor,
                note=note,
            )
            _audit(locked, refund, actor)
    except IntegrityError as error:  # the same reference recorded by another request in between
        raise RefundRefused(_already(reference)) from error
    return refund


def _valid_amount(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise RefundRefused("The amount must be a decimal number of USD.")
    if amount <= 0:
        raise RefundRefused("The amount must be more than zero.")
    if amount != amount.quantize(CENT):
        raise RefundRefused("The amount has at most two decimals (cents).")
    return amount.quantize(CENT)


def _valid_text(value: str, name: str, longest: int, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise RefundRefused(f"The provider's {name} of the refund is required: it is recorded once.")
    if len(text) > longest:
        raise RefundRefused(f"The {name} has at most {longest} characters.")
    return text


def _check_room(purchase: Purchase, amount: Decimal, reference: str) -> None:
    if purchase.state not in REFUNDABLE_STATES:
        state = State(purchase.state).label.lower()
        raise RefundRefused(f"Only a failed or reverted purchase gets a refund; this one is {state}.")
    debit = debit_of(purchase)
    if debit is None:
        raise RefundRefused("No debit is known for this purchase: nothing to refund.")
    refunds = list(Refund.objects.filter(purchase=purchase).values_list("reference", "amount"))
    if any(ref == reference for ref, _ in refunds):
        raise RefundRefused(_already(reference))
    left = debit - sum((value for _, value in refunds), Decimal(0))
    if amount > left:
        raise RefundRefused(
            f"{usd(amount)} is more than what is left to refund: {usd(left)} "
            f"({usd(debit)} debited, {usd(debit - left)} already recorded)."
        )


def _already(reference: str) -> str:
    return f"The refund {reference} is already recorded for this purchase."


def _audit(purchase: Purchase, refund: Refund, actor) -> None:
    words = f"Refund of {usd(refund.amount)} recorded, seen at the provider (reference {refund.reference})"
    message = (words + (f": {refund.note}" if refund.note else ""))[:255]
    PurchaseEvent.objects.create(
        purchase=purchase,
        source=EventSource.ADMIN,
        actor=actor,
        message=message,
        payload={"refund_id": refund.pk, "amount": str(refund.amount), "reference": refund.reference},
    )
    log_changes(actor, [(purchase.pk, str(purchase), message)])
