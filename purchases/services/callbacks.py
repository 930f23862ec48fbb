"""Provider callbacks: verified by the view, read by the provider's class, then applied idempotently
through the same rules as the sync."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db.models import Q

from ..models import Purchase, WebhookEvent
from ..providers import InvalidResponse, provider_class
from .apply import foreign_words, is_foreign
from .writes import apply_answer

log = logging.getLogger(__name__)

BALANCE_CACHE_KEY = "provider-balance-callback:{provider}"


def process_callback(event: WebhookEvent) -> str:
    """Apply a verified callback. Returns what was done; records failures on the event."""
    try:
        callback = provider_class(event.provider).parse_callback(event.body)
    except InvalidResponse as err:
        return _finish(event, error=err.message)
    event.event = callback.event[:32]
    if callback.balance is not None:
        cache.set(BALANCE_CACHE_KEY.format(provider=event.provider), callback.balance, 3600)
        return _finish(event, done="balance noted")
    if callback.purchase is None:
        return _finish(event, error=f"unknown event '{callback.event}'")
    return _apply(event, callback.purchase)


def _apply(event: WebhookEvent, info) -> str:
    event.custom_id, event.offer_status = (info.custom_id or "")[:64], (info.status or "")[:64]
    lookup = Q(custom_id=info.custom_id) if info.custom_id else Q(pk__in=[])
    if info.buy_id:
        lookup |= Q(provider=event.provider, buy_id=info.buy_id)
    purchase = Purchase.objects.filter(lookup).first()
    if purchase is None:
        return _finish(
            event, error="no purchase with this custom_id or buy_id; the daily reconcile imports it"
        )
    if is_foreign(purchase, event.provider):
        return _finish(event, error=f"not applied: {foreign_words(purchase)}")  # kept and flagged
    event.purchase, event.custom_id = purchase, purchase.custom_id
    if not info.status:
        return _finish(event, done="no status in the callback", changed=False)
    change = apply_answer(purchase, info, source="webhook")
    if change is not None and change.verify:
        request_verification([purchase.pk])
    if change is None or not change.fields:
        done = "asked the provider" if change is not None else "nothing new (replay or older status)"
        return _finish(event, done=f"{purchase.custom_id}: {done}", changed=False)
    event.purchase_event = change.event
    return _finish(event, done=change.describe(), changed=True)


def request_verification(purchase_ids: list[int]) -> None:
    """A hint we did not take as a verdict: ask the provider about these purchases in the background."""
    from django_q.tasks import async_task

    async_task("purchases.tasks.verify_purchases", purchase_ids, group="verify", task_name=None)


#: what processing a callback may fill in on its row
FINISHED_FIELDS = [
    "event",
    "processed",
    "error",
    "custom_id",
    "offer_status",
    "purchase",
    "changed",
    "purchase_event",
]


def _finish(event: WebhookEvent, *, done: str = "", error: str = "", changed: bool | None = None) -> str:
    event.processed = not error
    event.error = error
    event.changed = changed
    event.save(update_fields=FINISHED_FIELDS)
    if error:
        log.warning("callback %s not applied: %s", event.pk, error)
    return done or error
