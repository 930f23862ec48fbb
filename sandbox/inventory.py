"""Deterministic Steam inventories per steam_id, in SkinsBack's and Skinify's shapes."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .catalog import DATA_DIR, NameEntry, names
from .config import APP_IDS
from .money import CENT, from_cents

EXAMPLE_STEAM_ID = "76561198050648523"  # answers the vendor's example payload verbatim (SkinsBack)
BIG_SUFFIX, BIG_SIZE = "1000", 1000  # steam ids ending in 1000 own 1000 items
RATES = {
    "usd": "1",
    "rub": "92.70",
    "eur": "0.92",
    "uah": "41.20",
    "cny": "7.24",
    "kzt": "478.50",
    "try": "34.10",
    "pln": "3.98",
    "brl": "5.45",
    "gbp": "0.79",
}


def check_currency(code: str) -> str:
    """A currency the sandbox has a rate for, lower case; ValueError names the known ones."""
    code = str(code or "").strip().lower()
    if code not in RATES:
        raise ValueError(f"unknown currency {code!r}; the sandbox knows {', '.join(sorted(RATES))}")
    return code


SKINSBACK_SPECIAL = {
    "0005": (5, "user_not_tradable"),
    "0006": (6, "user_inventory_is_hidden"),
    "0007": (7, "user_inventory_is_unavailable"),
}
SKINIFY_SPECIAL = {
    "0005": "trade_unavailable",
    "0006": "private_inventory",
    "0007": "unavaliable_inventory",  # sic, the vendor's spelling
    "0008": "empty_inventory",
}
EMPTY_SUFFIX = "0008"
WEAR_SHORT = {
    "Factory New": "FN",
    "Minimal Wear": "MW",
    "Field-Tested": "FT",
    "Well-Worn": "WW",
    "Battle-Scarred": "BS",
}


@functools.cache
def example_payload() -> bytes:
    return (DATA_DIR / f"skinsback_user_inventory_{EXAMPLE_STEAM_ID}.json").read_bytes()


def owned(steam_id: str, kind: str, size: int | None) -> list[tuple[str, NameEntry, bool]]:
    """(asset id, name entry, disabled) for each item of this user's inventory of one game."""
    rng = random.Random(f"inventory|{steam_id}|{kind}")
    if steam_id.endswith(EMPTY_SUFFIX):
        count = 0
    elif size is not None:
        count = size
    else:
        count = BIG_SIZE if steam_id.endswith(BIG_SUFFIX) else rng.randint(10, 40)
    entries = names(kind)
    return [
        (str(rng.randrange(10**18, 8 * 10**18)), rng.choice(entries), rng.random() < 0.2)
        for _ in range(count)
    ]


def icon_url(entry: NameEntry) -> str:
    digest = hashlib.sha512(entry.name.encode()).digest() + hashlib.sha256(entry.name.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:96]


def local(amount: Decimal, factor: Decimal) -> float:
    return float((amount * factor).quantize(CENT, rounding=ROUND_HALF_UP))


def skinsback_items(
    steam_id: str, kind: str, size: int | None, rate: Decimal, multiplier: Decimal
) -> list[dict]:
    result = []
    for asset_id, entry, disabled in owned(steam_id, kind, size):
        price = from_cents(entry.cents)
        item = {
            "asset_id": asset_id,
            "tradable": 1,
            "app_id": APP_IDS[kind],
            "icon_url": icon_url(entry),
            "class_id": entry.classid,
        }
        result.append(
            {
                "item": item,
                "name": entry.name,
                "price": float(price),
                "stickers": [],
                "disabled": disabled,
                "price_local": local(price, rate),
                "multiplied_price_local": local(price, rate * multiplier),
            }
        )
    return result


def skinify_item(asset_id: str, entry: NameEntry, disabled: bool, kind: str, rate: Decimal) -> dict[str, Any]:
    wear = entry.name.rsplit("(", 1)[-1].rstrip(")") if entry.name.endswith(")") else ""
    kind_type = {"cs2": entry.name.split(" | ")[0], "dota2": "Wearable", "rust": "Skin", "tf2": "Cosmetic"}[
        kind
    ]
    return {
        "id": asset_id,
        "name": entry.name,
        "type": kind_type,
        "quality": "Covert" if entry.name.startswith("★") else "Normal",
        "img": icon_url(entry),
        "tradable": 1,
        "short_type": WEAR_SHORT.get(wear, ""),
        "disabled": int(disabled),
        "price": format((from_cents(entry.cents) * rate).quantize(CENT, rounding=ROUND_HALF_UP), "f"),
        "gid": str(APP_IDS[kind]),
    }


def skinify_items(
    steam_id: str, kind: str, size: int | None, rate: Decimal, show_disabled: bool
) -> list[dict]:
    if steam_id == EXAMPLE_STEAM_ID:
        rows = _example_rows()
    else:
        rows = [(asset, entry, disabled, kind) for asset, entry, disabled in owned(steam_id, kind, size)]
    return [skinify_item(a, e, d, k, rate) for a, e, d, k in rows if show_disabled or not d]


def _example_rows() -> list[tuple[str, NameEntry, bool, str]]:
    """The vendor example's Rust items, for Skinify's shape of the same user."""
    items = json.loads(example_payload())["data"]["items"]
    by_name = {entry.name: entry for entry in names("rust")}
    return [(x["item"]["asset_id"], by_name[x["name"]], x["disabled"], "rust") for x in items]
