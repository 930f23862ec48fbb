"""The pause switch: superusers stop buying from one provider or from all of them.

A `BuyingPause` row exists exactly while its scope is paused (blank provider: every provider). While it
exists nothing new is created (`assert_buying_allowed`, called by `purchases_create`) and the buy task
leaves the pending purchases of that provider pending (`provider_paused()` inside its claim): they are
neither sent nor lost, and `resume_buying` queues them again. An approval during a pause is allowed: it
creates nothing, and what it queues waits for the resume like every other queued buy.

The buy task imports this module, so the services are imported inside the functions that need them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ..ages import clock
from ..models import BuyingPause, Purchase
from ..providers import PROVIDERS, provider_class
from ..status import State

log = logging.getLogger(__name__)

ALL = ""  # the provider of the pause that covers every provider


@dataclass(frozen=True)
class PauseChange:
    """What a pause or resume request did, in words for the person who asked."""

    changed: bool
    message: str
    pause: BuyingPause | None = None


def scope_name(provider: str | None) -> str:
    return provider_class(provider).label if provider else "every provider"


def _command(provider: str | None, verb: str) -> str:
    return f"`manage.py {verb}" + (f" --provider {provider}`" if provider else "`")


def describe(pause: BuyingPause) -> str:
    """`Buying from SkinsBack is paused since 10:02 UTC by root: <reason>. A superuser resumes it ...`"""
    who = pause.paused_by.get_username() if pause.paused_by else f"the {pause.source or 'system'}"
    return (
        f"Buying from {scope_name(pause.provider)} is paused since {_when(pause)} by {who}: {pause.reason}. "
        f"A superuser resumes it on the dashboard or with {_command(pause.provider, 'resume_buying')}."
    )


def _when(pause: BuyingPause) -> str:
    same_day = timezone.now().date() == pause.paused_at.date()
    return clock(pause.paused_at) if same_day else f"{pause.paused_at:%Y-%m-%d} {clock(pause.paused_at)}"


# ------------------------------------------------------------------------------------------ reads


def pauses() -> dict[str, BuyingPause]:
    """Every pause in force, by provider ("" for all providers): one query."""
    return {p.provider: p for p in BuyingPause.objects.select_related("paused_by")}


def buying_panel(*, superuser: bool) -> dict[str, Any]:
    """For the admin index: the pauses in force (the banner everyone sees) and, for a superuser, one row
    per scope with its pause (the "Buying" card's buttons): one query."""
    current = pauses()
    panel: dict[str, Any] = {"paused": [describe(p) for p in current.values()]}
    if superuser:
        scopes = [(ALL, "All providers"), *((code, cls.label) for code, cls in PROVIDERS.items())]
        panel["scopes"] = [
            {"provider": code, "name": name, "pause": current.get(code), "covered": code and ALL in current}
            for code, name in scopes
        ]
    return panel


def paused_reason(provider: str) -> str:
    """'' when buying from `provider` is allowed, else the sentence that says why not: one query."""
    rows = BuyingPause.objects.filter(provider__in=[ALL, provider]).select_related("paused_by")
    pause = rows.order_by("provider").first()  # the pause of every provider ("") first
    return describe(pause) if pause else ""


def assert_buying_allowed(provider: str) -> None:
    """Raise `BuyError([sentence])` while buying from `provider` is paused; nothing is created then."""
    reason = paused_reason(provider)
    if reason:
        from ..services.create import BuyError

        raise BuyError([reason])


def provider_paused(field: str = "provider") -> Exists:
    """True for the rows whose `field` names a paused provider: for filters inside one statement (the
    buy task's claim, the attention filter), so no pause can slip between a read and a write."""
    return Exists(BuyingPause.objects.filter(Q(provider=ALL) | Q(provider=OuterRef(field))))


# ------------------------------------------------------------------------------------------ writes


def _check_provider(provider: str | None) -> None:
    if provider is not None and provider not in PROVIDERS:
        raise ValueError(f"Unknown provider {provider!r}: one of {', '.join(sorted(PROVIDERS))}.")


def pause_buying(*, provider: str | None, actor, reason: str, source: str) -> PauseChange:
    """Pause buying from `provider` (None: every provider). Audited; a second pause changes nothing."""
    _check_provider(provider)
    reason = " ".join(reason.split())[:255]
    if not reason:
        raise ValueError("Say why buying is paused (a reason is required).")
    user = actor if _is_person(actor) else None
    with transaction.atomic():
        pause, created = BuyingPause.objects.get_or_create(
            provider=provider or ALL, defaults={"paused_by": user, "reason": reason, "source": source}
        )
        if created:
            _audit(user, pause, ADDITION, f"Paused buying ({source}): {reason}")
    if not created:
        return PauseChange(False, "Already paused. " + describe(pause), pause)
    log.warning("buying paused: %s by %s (%s): %s", scope_name(provider), _who(actor), source, reason)
    return PauseChange(True, describe(pause), pause)


def resume_buying(*, provider: str | None, actor, source: str) -> PauseChange:
    """Lift the pause of exactly this scope (None: the pause of every provider), then queue again the
    pending purchases that may now be sent. A provider paused on its own stays paused."""
    _check_provider(provider)
    user = actor if _is_person(actor) else None
    with transaction.atomic():
        pause = BuyingPause.objects.select_for_update().filter(provider=provider or ALL).first()
        if pause is not None:
            _audit(user, pause, DELETION, f"Resumed buying ({source}).")
            pause.delete()
            transaction.on_commit(lambda: requeue_pending(provider))
    if pause is None:
        return PauseChange(False, f"Buying from {scope_name(provider)} was not paused. " + _still(provider))
    log.warning("buying resumed: %s by %s (%s)", scope_name(provider), _who(actor), source)
    return PauseChange(True, f"Buying from {scope_name(provider)} resumed. " + _still(provider))


def _still(provider: str | None) -> str:
    """What stays paused after a resume, so nobody believes everything is buying again."""
    left = pauses()
    if provider is not None:
        return describe(left[ALL]) if ALL in left else ""
    return " ".join(describe(p) for p in left.values())


def requeue_pending(provider: str | None) -> int:
    """Queue the buy task again for the pending purchases no pause holds; returns the tasks queued."""
    from ..services.create import enqueue_buys

    pending = Purchase.objects.filter(state=State.PENDING, claimed_until__isnull=True)
    if provider is not None:
        pending = pending.filter(provider=provider)
    by_batch: dict[tuple[str, int], list[Purchase]] = {}
    for purchase in pending.filter(~provider_paused()).select_related("item").order_by("pk")[:5000]:
        by_batch.setdefault((purchase.provider, purchase.steam_user_id), []).append(purchase)
    queued = sum(enqueue_buys(group) for group in by_batch.values())
    if queued:
        log.info("buying resumed: %d buy task(s) queued again", queued)
    return queued


def held_by_pause(purchase_ids: Sequence[int]) -> int:
    """How many of these pending purchases a pause holds (for the buy task's log and summary)."""
    rows = Purchase.objects.filter(pk__in=list(purchase_ids), state=State.PENDING)
    return rows.filter(provider_paused()).count()


# ------------------------------------------------------------------------------------------ audit


def _is_person(actor) -> bool:
    return actor is not None and getattr(actor, "pk", None) is not None and actor.is_authenticated


def _who(actor) -> str:
    return actor.get_username() if _is_person(actor) else "no person"


def _audit(user, pause: BuyingPause, flag: int, message: str) -> None:
    """The admin history of a person's pause or resume (commands leave the log line only)."""
    if user is None:
        return
    LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(BuyingPause),
        object_id=str(pause.pk),
        object_repr=str(pause)[:200],
        action_flag=flag,
        change_message=message,
    )
