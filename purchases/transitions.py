"""The one place a purchase changes state: it writes the change and its PurchaseEvent together."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .models import Purchase, PurchaseEvent


def purchase_transition(
    purchase: Purchase,
    *,
    source: str,
    state: str | None = None,
    provider_status: str | None = None,
    actor=None,
    message: str = "",
    payload: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Apply `state`, `provider_status` and other field changes; record an event when either word changed.

    Returns True when anything was written. Callers hold no transaction across HTTP: this opens its own.
    """
    old_state, old_status = purchase.state, purchase.provider_status
    changes = {name: value for name, value in fields.items() if getattr(purchase, name) != value}
    if state is not None and state != old_state:
        changes["state"] = state
    if provider_status is not None and provider_status != old_status:
        changes["provider_status"] = provider_status
    if not changes:
        return False
    for name, value in changes.items():
        setattr(purchase, name, value)
    with transaction.atomic():
        purchase.save(update_fields=[*changes, "updated_at"])
        if "state" in changes or "provider_status" in changes:
            PurchaseEvent.objects.create(
                purchase=purchase,
                old_state=old_state,
                new_state=purchase.state,
                old_provider_status=old_status,
                new_provider_status=purchase.provider_status,
                source=source,
                actor=actor,
                message=message[:255],
                payload=payload or {},
            )
    return True
