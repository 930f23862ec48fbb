"""Why a purchase is where it is, and what became of its money, in words: the list's reason column and the
head of the purchase page. Read from the row's own fields only (no query), so a list of any length costs
the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from ..ages import age
from ..models import Purchase, Route
from ..money import usd
from ..services.lookup import ESCALATED_PREFIX
from ..status import DOCUMENTED_REFUNDS, STATES, State, reason_words
from .common import provider_label
from .next_steps import next_step

#: the states whose provider word is the reason (the trade did not happen, or was rolled back)
FAILED_STATES = (State.FAILED, State.REVERTED)


@dataclass(frozen=True)
class Reason:
    #: why it ended or stands as it does ('' when nothing went wrong)
    outcome: str = ""
    #: why a person should look now ('' when nobody needs to)
    attention: str = ""
    #: the provider's own words behind it, for a search in its dashboard
    codes: str = ""
    #: what to do about the attention reason ('' when nobody needs to look)
    next_step: str = ""

    @property
    def text(self) -> str:
        return " · ".join(part for part in (self.outcome, self.attention) if part)


def reason(purchase: Purchase, now: datetime | None = None) -> Reason:
    outcome, codes = _outcome(purchase)
    attention = _attention(purchase, now or timezone.now())
    step = next_step(purchase) if attention else ""
    return Reason(outcome=outcome, attention=attention, codes=codes, next_step=step)


def _outcome(p: Purchase) -> tuple[str, str]:
    error = (p.error_reason or "").strip()
    if p.state == State.REJECTED:
        words = reason_words(error) or "the provider gave no reason"
        # the failover first: the list cuts a long reason between words
        said = _sentence(f"Refused{_failed_over(p)}: {words}")
        return said, _codes(p.error_code and f"error {p.error_code}", error)
    if p.state in FAILED_STATES:
        said = [reason_words(p.provider_status) or "the provider gave no reason"]
        said += [reason_words(error)] if error and error != p.provider_status else []
        return _sentence("; ".join(said)), _codes(p.provider_status, error)
    if p.state == State.UNCONFIRMED:
        return _sentence(error or "Sent, the answer was lost: looked up by custom_id"), ""
    if p.state == State.AWAITING_APPROVAL:
        return _sentence(f"Waits for an approver: {p.approval_reason or 'held by the payout controls'}"), ""
    if p.state == State.DECLINED:
        return _sentence(error or "Declined: nothing was bought"), ""
    return "", ""


def _failed_over(p: Purchase) -> str:
    """`, failed over to Skinify as bo-…` when the list read the replacement with the row (no query)."""
    if not Purchase.replaced_by.is_cached(p):
        return ""
    again = getattr(p, "replaced_by", None)
    if again is None or again.route != Route.FAILOVER:
        return ""
    return f", failed over to {provider_label(again.provider)} as {again.custom_id}"


def _attention(p: Purchase, now: datetime) -> str:
    if p.needs_attention:
        return _sentence(f"Needs attention: {_since(p, now) or p.attention_reason or 'flagged'}")
    if p.attention_reason:
        return ""  # a person resolved it (services/attention.py): its age no longer counts
    after = STATES[State(p.state)].attention_after if p.state in State.values else None
    if after is not None and p.created_at < now - after:
        state = p.get_state_display().lower()
        return _sentence(f"Needs attention: {state} for {age(p.created_at, now)}")
    return ""


def _since(p: Purchase, now: datetime) -> str:
    """An escalated "unknown to the provider" reason, with for how long: "Unknown to SkinsBack for 3 hours,
    past its 10-minute offer window: …" ('' for any other reason)."""
    text = p.attention_reason
    if not text.startswith(ESCALATED_PREFIX) or " past its " not in text:
        return ""
    return text.replace(" past its ", f" for {age(p.sent_at or p.created_at, now)}, past its ", 1)


def short(text: str, limit: int = 64) -> str:
    """At most `limit` characters and an ellipsis, cut between words (never inside one): at the end of a
    clause when one ends in the last third, else at the last space."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    clause = max(head.rfind(mark) for mark in (": ", "; ", ", ", " · "))
    if clause >= limit * 2 // 3:
        return text[:clause] + "…"
    cut = head.rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:·—-") + "…"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else ""


def _codes(*words: str) -> str:
    return ", ".join(dict.fromkeys(word for word in words if word))


@dataclass(frozen=True)
class Money:
    """What the purchase cost: the price, what left the balance, and what is known of a refund."""

    price: str
    max_price: str
    debited: str
    #: one sentence on the money after this outcome: spent, never taken, returned, or not known
    note: str


def money(p: Purchase) -> Money:
    return Money(
        price=usd(p.price), max_price=usd(p.max_price), debited=usd(p.balance_debited), note=_note(p)
    )


def _note(p: Purchase) -> str:
    label = provider_label(p.provider)
    debited = p.balance_debited if p.balance_debited is not None else p.price
    if p.state == State.PENDING:
        return "Nothing debited: the request is not sent yet."
    if p.state == State.UNCONFIRMED:
        return f"Not known yet: if the buy went through, at most {usd(p.max_price)} was debited."
    if p.state == State.REJECTED:
        return "Nothing was debited: the provider refused the buy."
    if p.state in FAILED_STATES:
        return _refund(p, label, debited)
    return f"{usd(debited)} spent." if debited is not None else "Spent; the provider did not say how much."


def _refund(p: Purchase, label: str, debited: Decimal | None) -> str:
    """Said beside the amount debited: only a documented refund is promised."""
    documented = DOCUMENTED_REFUNDS.get(p.provider_status)
    if documented:
        return f"To be returned: {documented}."
    if debited is None:
        return f"{label} did not report a debit for this purchase."
    return (
        f"Whether {label} returns it after this outcome is not documented: check the balance history in "
        f"{label}'s dashboard before promising a refund."
    )
