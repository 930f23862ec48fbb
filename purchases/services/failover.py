"""Failover: a line a provider positively refused is bought at another provider, once, at once.

Called by the buy task right after it committed the rejection (buy.py `_reject`), never on an unknown
outcome (a timeout, a cut body, a 5xx, an undocumented error or a rejection inferred by a lookup: those
are looked up by custom_id, as always). The refusal must be one that says this provider cannot sell the
skin now (`Provider.fails_over`: skin_unavailable, skins_not_found_at_specified_price, insufficient_funds,
Skinify's market_disabled); another provider must quote the skin at or under the same max price and be
able to buy (routing.choose). The replacement is a new purchase with a new custom_id, linked to the refused
one (`replaces`), for the same Steam user at the same max price, created through `purchases_create` (the
payout controls: repeat guard, limits, approval). Its batch id is derived from the refused custom_id, so
a second call creates nothing new; `replaces` is unique, so no line is replaced twice; a failover is never
failed over again. What happened is an event on the refused purchase either way.
"""

from __future__ import annotations

import logging
import uuid

from ..models import Purchase, PurchaseEvent, Route
from ..money import usd
from ..providers import PROVIDERS
from ..routing import choose, label, provider_problems
from ..skins import skin_key
from ..status import State
from .create import BuyError, BuyLine, purchases_create

log = logging.getLogger(__name__)

#: batch ids of failovers: uuid5 of the refused custom_id, so a retried failover finds its batch
FAILOVER_NAMESPACE = uuid.UUID("5b0c1d1e-6a57-4f43-9e55-5f1b2c0fa11e")


def failover_batch_id(purchase: Purchase) -> uuid.UUID:
    return uuid.uuid5(FAILOVER_NAMESPACE, purchase.custom_id)


def purchase_failover(*, purchase: Purchase, code: object, reason: str) -> Purchase | None:
    """After `purchase` was rejected with (`code`, `reason`): its replacement at another provider, or None
    (and an event saying why not) when the refusal does not allow one or no provider can buy it."""
    if purchase.route == Route.FAILOVER:  # refused everywhere: the first line says each provider's reason
        if purchase.replaces_id is not None:
            _note(
                purchase.replaces,
                f"its failover {purchase.custom_id} was refused by {label(purchase.provider)} too "
                f"({reason}): the line ends rejected",
            )
        return None
    cls = PROVIDERS.get(purchase.provider)
    if cls is None or not cls.fails_over(code if code not in ("", None) else None, reason):
        return None  # a refusal about the recipient or the request: another provider would refuse it too
    choice = choose(
        _skin(purchase),
        max_price=purchase.max_price,
        problems=provider_problems(),
        exclude=[purchase.provider],
    )
    if choice.chosen is None:
        _note(purchase, "no failover: " + _why_none(choice))
        return None
    option = choice.chosen
    line = BuyLine(
        max_price=purchase.max_price,
        item=option.quote.item,
        provider=option.provider,
        replaces=purchase,
        pay_again=purchase.repeat_acknowledged,
        route=Route.FAILOVER,
        quotes=choice.quotes,
        saving=None,  # a failover is counted as a line saved, not as money saved
    )
    try:
        result = purchases_create(
            steam_user=purchase.steam_user,
            lines=[line],
            actor=purchase.created_by,
            batch_id=failover_batch_id(purchase),
            source="failover",
        )
    except BuyError as error:
        _note(purchase, "no failover: " + "; ".join(error.messages))
        return None
    replacement = result.purchases[0]
    if result.created:
        _note(
            purchase,
            f"failed over to {label(option.provider)} as {replacement.custom_id} "
            f"(quoted {usd(option.price)}, max price {usd(purchase.max_price)})",
        )
    return replacement


def _skin(purchase: Purchase) -> str:
    if purchase.item_id is not None and purchase.item.skin:
        return purchase.item.skin
    return skin_key(purchase.item_name, purchase.game)


def _why_none(choice) -> str:
    if not choice.options:
        return "no other provider lists this skin"
    return "; ".join(f"{label(o.provider)}: {o.why_not}" for o in choice.options)


def _note(purchase: Purchase, message: str) -> None:
    log.info("%s: %s", purchase.custom_id, message)
    PurchaseEvent.objects.create(
        purchase=purchase,
        old_state=State.REJECTED,
        new_state=State.REJECTED,
        source="failover",
        message=message[:255],
    )
