"""Provider callbacks: verified and stored by the view, read by the provider's class, then applied
idempotently through the same rules as the sync.

The view only stores; the drain (callback_drain.py) applies what is stored, in batches. Both the drain
and `process_callback` (one callback at a time) go through the steps below, so they judge alike:
`read_callback` (what it says), `attach` (which purchase, whether anything is to be applied), the change
(services/apply.py, written as a compare-and-set), `record_change` (what it did, on the callback's row).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import Q

from ..models import Purchase, WebhookEvent
from ..providers import InvalidResponse, provider_class
from ..providers.base import PurchaseInfo
from .apply import Change, foreign_words, is_foreign
from .writes import apply_answer

log = logging.getLogger(__name__)

BALANCE_CACHE_KEY = "provider-balance-callback:{provider}"
NO_PURCHASE = "no purchase with this custom_id or buy_id; the daily reconcile imports it"
NOTHING_NEW = "nothing new (replay or older status)"
ASKED = "asked the provider"


def process_callback(event: WebhookEvent) -> str:
    """Apply one verified, stored callback now. Returns what was done; records failures on the event."""
    read = read_callback(event)
    if isinstance(read, str):
        return _save(event, read)
    purchase = find_purchases(event.provider, [read]).get(lookup_key(read))
    refused = attach(event, read, purchase)
    if refused is not None:
        return _save(event, refused)
    change = apply_answer(purchase, read, source="webhook")
    if change is not None and change.verify:
        request_verification([purchase.pk])
    return _save(event, record_change(event, purchase, change))


def read_callback(event: WebhookEvent) -> PurchaseInfo | str:
    """What the callback says about a purchase; or, when it is not about one (a balance, an unknown event,
    garbage), its outcome settled on the event (not saved)."""
    try:
        callback = provider_class(event.provider).parse_callback(event.body)
    except InvalidResponse as err:
        return settle(event, error=err.message)
    event.event = callback.event[:32]
    if callback.balance is not None:
        cache.set(BALANCE_CACHE_KEY.format(provider=event.provider), callback.balance, 3600)
        return settle(event, done="balance noted")
    if callback.purchase is None:
        return settle(event, error=f"unknown event '{callback.event}'")
    return callback.purchase


def find_purchases(provider: str, infos: Iterable[PurchaseInfo]) -> dict[tuple, Purchase]:
    """The purchase each callback of `provider` names (by `lookup_key`), in one query: its custom_id, or
    the provider's buy_id; when both match different purchases, the newest (as `.first()` would)."""
    infos = list(infos)
    custom_ids = sorted({info.custom_id for info in infos if info.custom_id})
    buy_ids = sorted({info.buy_id for info in infos if info.buy_id})
    if not custom_ids and not buy_ids:
        return {}
    lookup = Q(custom_id__in=custom_ids) if custom_ids else Q(pk__in=[])
    if buy_ids:
        lookup |= Q(provider=provider, buy_id__in=buy_ids)
    rows = list(Purchase.objects.filter(lookup))  # newest first: the model's ordering
    by_custom_id = {p.custom_id: p for p in rows}
    by_buy_id = {p.buy_id: p for p in rows if p.provider == provider and p.buy_id}
    found = {}
    for info in infos:
        matches = [by_custom_id.get(info.custom_id), by_buy_id.get(info.buy_id) if info.buy_id else None]
        matches = [p for p in matches if p is not None]
        if matches:
            found[lookup_key(info)] = min(matches, key=lambda p: (-p.created_at.timestamp(), -p.pk))
    return found


def lookup_key(info: PurchaseInfo) -> tuple:
    return (info.custom_id or "", info.buy_id or "")


def attach(event: WebhookEvent, info: PurchaseInfo, purchase: Purchase | None) -> str | None:
    """Link the callback to its purchase. None: it is to be applied to it; else its outcome, settled."""
    event.custom_id, event.offer_status = (info.custom_id or "")[:64], (info.status or "")[:64]
    if purchase is None:
        return settle(event, error=NO_PURCHASE)
    if is_foreign(purchase, event.provider):
        return settle(event, error=f"not applied: {foreign_words(purchase)}")  # kept and flagged
    event.purchase, event.custom_id = purchase, purchase.custom_id
    if not info.status:
        return settle(event, done="no status in the callback", changed=False)
    return None


def record_change(event: WebhookEvent, purchase: Purchase, change: Change | None) -> str:
    """Settle what applying the callback did: the change written, a lookup asked for, or nothing."""
    if change is None or not change.fields:
        done = ASKED if change is not None else NOTHING_NEW
        return settle(event, done=f"{purchase.custom_id}: {done}", changed=False)
    event.purchase_event = change.event
    return settle(event, done=change.describe(), changed=True)


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


def settle(event: WebhookEvent, *, done: str = "", error: str = "", changed: bool | None = None) -> str:
    """Set the outcome on the event (not saved). Processed unless there is an error: either way it is no
    longer pending (WebhookEvent.PENDING)."""
    event.processed = not error
    event.error = error
    event.changed = changed
    if error:
        log.warning("callback %s not applied: %s", event.pk, error)
    return done or error


def _save(event: WebhookEvent, outcome: str) -> str:
    event.save(update_fields=FINISHED_FIELDS)
    return outcome
