"""Purchases as the lists and pages of issue 13 meet them: long names, every outcome, reasons, a batch."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from purchases.models import Purchase, PurchaseEvent
from purchases.roles import setup_roles
from tests.factories import make_purchase, make_user

PASSWORD = "Pages-flow-pw-2024"
LONG_NAMES = [
    "StatTrak™ M4A1-S | Printstream (Minimal Wear)",
    "★ StatTrak™ Karambit | Doppler Sapphire (Factory New)",
    "Sticker Capsule | Paris 2023 Legends (Holo-Foil) Autograph",
    "AK-47 | Redline (Field-Tested)",
    "Inscribed Genuine Flight of Epiphany of the Ancient Champions",
    "Desert Eagle | Blaze (Factory New)",
]
# (state, provider_status, fields)
ROWS = [
    ("failed", "trade_create_error", {"price": "14.62", "balance_debited": "14.62"}),
    ("rejected", "", {"error_code": "6", "error_reason": "skins_not_found_at_specified_price"}),
    (
        "failed",
        "canceled",
        {"price": "9120.00", "balance_debited": "9120.00", "trade_offer_id": "6021450999"},
    ),
    (
        "unconfirmed",
        "",
        {"error_reason": "no usable answer (Timeout); resolved by looking it up by custom_id"},
    ),
    (
        "in_progress",
        "waiting_accept",
        {"price": "62.10", "balance_debited": "62.10", "trade_offer_id": "602148"},
    ),
    (
        "delivered",
        "accepted",
        {"price": "1234.50", "balance_debited": "1234.50", "trade_offer_id": "60214700"},
    ),
]


def staff(username: str, group: str):
    setup_roles()
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def money(fields: dict) -> dict:
    return {k: Decimal(v) if k in ("price", "balance_debited") else v for k, v in fields.items()}


def many_outcomes(*, batch_id: uuid.UUID | None = None) -> list[Purchase]:
    user = make_user(display_name="Gabe Newell the Extremely Long Display Name")
    created = timezone.now() - timedelta(hours=2)
    purchases = []
    for n, (state, status, fields) in enumerate(ROWS):
        purchases.append(
            make_purchase(
                steam_user=user,
                item_name=LONG_NAMES[n],
                state=state,
                provider_status=status,
                max_price=Decimal("10000.00") if n == 2 else Decimal("16.08"),
                buy_id=str(130000100 + n) if fields.get("price") else None,
                batch_id=batch_id,
                batch_line=n if batch_id else None,
                created_at=created + timedelta(minutes=n),
                **money(fields),
            )
        )
    return purchases


def moving_batch(size: int = 4) -> tuple[uuid.UUID, list[Purchase]]:
    """A batch whose purchases were just bought: trades being created."""
    batch_id, user = uuid.uuid4(), make_user(display_name="Robin Walker")
    purchases = [
        make_purchase(
            steam_user=user,
            item_name=LONG_NAMES[n % len(LONG_NAMES)],
            state="in_progress",
            provider_status="creating_trade",
            price=Decimal("14.62"),
            balance_debited=Decimal("14.62"),
            max_price=Decimal("16.08"),
            buy_id=str(130000200 + n),
            batch_id=batch_id,
            batch_line=n,
        )
        for n in range(size)
    ]
    for purchase in purchases:
        PurchaseEvent.objects.create(purchase=purchase, new_state="in_progress", source="buy")
    return batch_id, purchases
