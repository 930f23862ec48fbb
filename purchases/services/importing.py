"""A custom_id we do not have: ask every provider about it, and import it when one of them knows it.

The import re-asks the provider (never trusts what a form posted back), then creates the purchase the way
the history reconcile does (`history._import`: state normalized, marked `imported`, no operator), with its
first event attributed to the user who imported it, and the LogEntry of that user in the same transaction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import ProviderCode, Purchase, PurchaseEvent
from ..providers import PROVIDERS, get_provider, status_map
from ..providers.base import NotFound, ProviderError, PurchaseInfo
from ..status import State, normalize
from .audit import log_additions
from .history import _import

#: an interactive lookup waits this long for a provider, and retries a read once
IMPORT_MESSAGE = "imported from the provider (found by its custom_id)"


@dataclass(frozen=True)
class ProviderAnswer:
    """What one provider said about a custom_id: the purchase, nothing, or why it could not be asked."""

    provider: str
    info: PurchaseInfo | None = None
    error: str = ""

    @property
    def state(self) -> State | None:
        if self.info is None:
            return None
        now = timezone.now()
        info = self.info
        return normalize(
            status_map(self.provider), info.status, in_hold=info.in_hold, hold_until=info.hold_until, now=now
        ).state


def ask_provider(code: str, custom_id: str) -> PurchaseInfo | None:
    """The provider's view of `custom_id`, or None when it does not know it. Raises ProviderError."""
    client = get_provider(code, interactive=True)
    try:
        found = client.get_purchases(custom_ids=[custom_id])
    except NotFound:
        return None
    for info in found:
        if info.custom_id in (None, "", custom_id):
            return info if info.custom_id else dataclasses.replace(info, custom_id=custom_id)
    return None


def providers_lookup(custom_id: str) -> list[ProviderAnswer]:
    """Ask every provider; a provider that fails is reported, never raised."""
    answers = []
    for code in PROVIDERS:
        try:
            answers.append(ProviderAnswer(code, info=ask_provider(code, custom_id)))
        except ProviderError as error:
            answers.append(ProviderAnswer(code, error=str(error) or type(error).__name__))
    return answers


def purchase_import(*, provider: str, custom_id: str, actor=None) -> tuple[Purchase, bool]:
    """(purchase, created): the purchase with this custom_id, imported from `provider` if we lack it.

    Raises NotFound when the provider does not know it, ProviderError when it cannot be asked.
    Safe against a double click: the unique custom_id (and provider + buy_id) decide, not a read.
    """
    existing = Purchase.objects.filter(custom_id=custom_id).first()
    if existing is not None:
        return existing, False
    info = ask_provider(provider, custom_id)
    if info is None:
        raise NotFound(f"{provider} does not know {custom_id}", provider=provider)
    try:
        with transaction.atomic():
            purchase = _import(provider, info)
            PurchaseEvent.objects.filter(purchase=purchase).update(
                source="admin", actor=actor, message=IMPORT_MESSAGE
            )
            label = ProviderCode(provider).label
            log_additions(actor, [purchase], f"Imported from {label} by its custom_id")
    except IntegrityError:
        same = Q(custom_id=custom_id)
        if info.buy_id:
            same |= Q(provider=provider, buy_id=info.buy_id)
        existing = Purchase.objects.filter(same).first()
        if existing is None:
            raise
        return existing, False
    return purchase, True
