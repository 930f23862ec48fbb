"""Small factories for the models: valid by default, any field overridable."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.utils import timezone

from purchases.models import Item, Purchase, SteamUser
from purchases.validators import STEAM_ID64_BASE

_seq = itertools.count(1)


def steam_id(n: int | None = None) -> str:
    return str(76561198000000000 + (n if n is not None else next(_seq)))


def trade_url_for(sid: str, token: str = "Ab12Cd34") -> str:
    return f"https://steamcommunity.com/tradeoffer/new/?partner={int(sid) - STEAM_ID64_BASE}&token={token}"


def make_user(**fields) -> SteamUser:
    sid = fields.pop("steam_id", None) or steam_id()
    fields.setdefault("trade_url", trade_url_for(sid))
    fields.setdefault("display_name", f"user {sid[-4:]}")
    return SteamUser.objects.create(steam_id=sid, **fields)


def make_item(**fields) -> Item:
    n = next(_seq)
    fields.setdefault("provider", "skinsback")
    fields.setdefault("provider_item_id", str(70000000 + n))
    fields.setdefault("name", f"AK-47 | Redline #{n}")
    fields.setdefault("game", "cs2")
    fields.setdefault("price", Decimal("10.00"))
    fields.setdefault("synced_at", timezone.now())  # just read: the confirmation page does not re-read it
    return Item.objects.create(**fields)


def make_purchase(**fields) -> Purchase:
    fields.setdefault("steam_user", fields.get("steam_user") or make_user())
    item = fields.setdefault("item", None)
    fields.setdefault("provider", item.provider if item else "skinsback")
    fields.setdefault("item_name", item.name if item else "AK-47 | Redline (Field-Tested)")
    fields.setdefault("game", "cs2")
    fields.setdefault("max_price", Decimal("11.00"))
    return Purchase.objects.create(**fields)


def make_purchases(count: int, **fields) -> list[Purchase]:
    user = fields.pop("steam_user", None) or make_user()
    return Purchase.objects.bulk_create(
        Purchase(
            steam_user=user,
            provider=fields.get("provider", "skinsback"),
            item_name=f"Item {i}",
            game="cs2",
            max_price=Decimal("5.00"),
            **{k: v for k, v in fields.items() if k != "provider"},
        )
        for i in range(count)
    )
