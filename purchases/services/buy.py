"""Buying: create purchases (committed with their custom_id before any request), then send them.

DESIGN section 4 is the law here. The admin request only creates rows and enqueues tasks; the task
cluster claims pending rows by turning them `unconfirmed` in one conditional UPDATE (so a task delivered
twice, or two workers, send each custom_id at most once), sends the request outside any transaction,
and applies the answer. A lost answer leaves the purchase `unconfirmed`; a lookup by custom_id resolves it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..models import Purchase, PurchaseEvent
from ..policy.pause import held_by_pause, provider_paused
from ..providers import get_provider, is_duplicate_custom_id
from ..providers.base import (
    BatchBuyResult,
    BuyRequest,
    Provider,
    ProviderError,
)
from ..status import State
from .apply import NO_USABLE_ANSWER
from .claims import claim, release
from .failover import purchase_failover
from .lookup import purchases_resolve
from .writes import apply_answer

log = logging.getLogger(__name__)

SEND_LEASE = timedelta(minutes=10)


def purchases_send(*, purchase_ids: Sequence[int]) -> dict[str, int]:
    """The buy task: claim the still-pending purchases among `purchase_ids` and send them in one request."""
    now = timezone.now()
    held = held_by_pause(purchase_ids)
    if held:
        log.warning("buying paused: %d pending purchase(s) left pending until it resumes", held)
    # the pause is re-checked inside the claim's UPDATE, so a pause made a moment ago still holds them
    claimed = claim(
        Purchase.objects.filter(~provider_paused(), pk__in=list(purchase_ids), state=State.PENDING),
        now=now,
        lease=SEND_LEASE,
        state=State.UNCONFIRMED,
        sent_at=now,
    )
    summary = {"sent": len(claimed), **({"held": held} if held else {})}
    if not claimed:
        return summary
    _record_sent(claimed, now)
    try:
        _send(claimed)
    finally:
        release(claimed)
    return summary


def _record_sent(purchases: list[Purchase], now) -> None:
    PurchaseEvent.objects.bulk_create(
        PurchaseEvent(
            purchase=p,
            at=now,
            old_state=State.PENDING,
            new_state=State.UNCONFIRMED,
            source="buy",
            actor_id=p.created_by_id,
            message="request sent to the provider",
        )
        for p in purchases
    )


def _send(purchases: list[Purchase]) -> None:
    provider = get_provider(purchases[0].provider)
    user = purchases[0].steam_user
    requests = [_request(p) for p in purchases]
    # the batch method takes catalog ids only; a skin bought by name goes through the single buy
    if provider.max_batch_size > 1 and all(r.item_id for r in requests):
        try:
            result = provider.batch_buy(partner=user.partner, token=user.token, items=requests)
        except ProviderError as error:
            _apply_whole_error(purchases, error, provider)
        else:
            _apply_batch(purchases, result, provider)
        return
    for purchase, request in zip(purchases, requests, strict=True):
        try:
            info = provider.buy(partner=user.partner, token=user.token, request=request)
        except ProviderError as error:
            _apply_whole_error([purchase], error, provider)
        else:
            _apply_bought(purchase, info)


def _request(purchase: Purchase) -> BuyRequest:
    item_id = purchase.provider_item_id
    return BuyRequest(
        custom_id=purchase.custom_id,
        max_price=purchase.max_price,
        item_id=item_id,
        name=None if item_id else purchase.item_name,
        game=None if item_id else purchase.game,
    )


def _apply_bought(purchase: Purchase, info) -> None:
    apply_answer(purchase, info, source="buy", actor=purchase.created_by)


def _apply_batch(purchases: list[Purchase], result: BatchBuyResult, provider: Provider) -> None:
    by_custom_id = {p.custom_id: p for p in purchases}
    for info in result.purchased:
        purchase = by_custom_id.pop(info.custom_id or "", None)
        if purchase is None:
            log.warning("a batch answer entry matches none of the purchases sent; the lookup resolves them")
            continue
        _apply_bought(purchase, info)
    unknown: list[Purchase] = []
    for entry in result.unavailable:
        purchase = by_custom_id.pop(entry.custom_id or "", None)
        if purchase is None:
            continue
        if provider.is_duplicate_custom_id(entry.code, entry.message):
            unknown.append(purchase)  # the provider has this custom_id already: look it up, never buy anew
        else:
            _reject_and_fail_over(purchase, code=entry.code, reason=entry.message)
    unknown.extend(by_custom_id.values())  # in neither list: outcome unknown
    _resolve(unknown)


def _apply_whole_error(purchases: list[Purchase], error: ProviderError, provider: Provider) -> None:
    if is_duplicate_custom_id(error):
        _resolve(purchases)
        return
    if provider.buy_outcome_unknown(error):
        log.warning("buy outcome unknown for %d purchase(s): %s", len(purchases), type(error).__name__)
        _mark_unknown(purchases, error)
        _resolve(purchases)
        return
    for purchase in purchases:
        _reject_and_fail_over(purchase, code=error.code, reason=error.message or type(error).__name__)


def _mark_unknown(purchases: list[Purchase], error: ProviderError) -> None:
    reason = f"{NO_USABLE_ANSWER} ({type(error).__name__}); resolved by looking it up by custom_id"
    Purchase.objects.filter(pk__in=[p.pk for p in purchases]).update(error_reason=reason[:255])
    # the lookup that follows judges these copies: the reason is cleared by an answer
    for purchase in purchases:
        purchase.error_reason = reason[:255]


def _reject_and_fail_over(purchase: Purchase, *, code, reason: str) -> None:
    """A positive refusal: the purchase is rejected, then (committed, by the one task that rejected it)
    bought at another provider that quoted it within its max price, when the refusal allows (failover.py)."""
    if not _reject(purchase, code=code, reason=reason):
        return
    try:
        purchase_failover(purchase=purchase, code=code, reason=reason)
    except Exception:  # the rejection stands; an operator can still buy it again by hand
        log.exception("failover of %s failed", purchase.custom_id)


def _reject(purchase: Purchase, *, code, reason: str) -> bool:
    """Only an unconfirmed purchase is rejected: one conditional UPDATE, so a concurrent answer wins.
    True when this call rejected it."""
    with transaction.atomic():
        rejected = Purchase.objects.filter(pk=purchase.pk, state=State.UNCONFIRMED).update(
            state=State.REJECTED, error_code=str(code or "")[:32], error_reason=reason[:255]
        )
        if not rejected:
            return False
        purchase.state = State.REJECTED  # the failover reads this copy
        purchase.error_code, purchase.error_reason = str(code or "")[:32], reason[:255]
        PurchaseEvent.objects.create(
            purchase=purchase,
            old_state=State.UNCONFIRMED,
            new_state=State.REJECTED,
            source="buy",
            actor_id=purchase.created_by_id,
            message=f"provider refused: {reason}"[:255],
            payload={"error_code": str(code or ""), "error_message": reason},
        )
    return True


def _resolve(purchases: list[Purchase]) -> None:
    """Ask the provider what became of these custom_ids; failures leave them for the sync."""
    if not purchases:
        return
    try:
        purchases_resolve(purchases=purchases, source="buy")
    except ProviderError as error:
        log.warning("lookup after buy failed (%s); the sync will resolve it", type(error).__name__)
