"""Pure functions over inventory items: filter, sort, summarize, and the rows the page and command show.

No Django, no I/O: the page, the command and the benchmark all go through these, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from purchases.money import money
from purchases.providers.base import InventoryItem

SORTS: dict[str, str] = {
    "": "Accepted first, provider order",
    "price_desc": "Price, highest first",
    "price_asc": "Price, lowest first",
    "name_asc": "Name, A to Z",
    "name_desc": "Name, Z to A",
}
ZERO = Decimal("0")
STICKER_NAME_KEYS = ("name", "title", "market_hash_name")


@dataclass(frozen=True)
class Summary:
    count: int
    accepted_count: int
    total_usd: Decimal  # of accepted items only: what the provider would take
    total_local: Decimal
    total_multiplied: Decimal

    @property
    def disabled_count(self) -> int:
        return self.count - self.accepted_count


def summarize(items: Iterable[InventoryItem]) -> Summary:
    """Counts, and Decimal totals of the accepted (not disabled) items; unknown prices count as nothing."""
    count = accepted = 0
    usd = local = multiplied = ZERO
    for item in items:
        count += 1
        if item.disabled:
            continue
        accepted += 1
        usd += item.price or ZERO
        local += item.price_local or ZERO
        multiplied += item.multiplied_price_local or ZERO
    return Summary(count, accepted, usd, local, multiplied)


def filter_items(
    items: Iterable[InventoryItem], *, name: str = "", hide_disabled: bool = False
) -> list[InventoryItem]:
    """Items whose name contains `name` (case-insensitive), without disabled ones if asked."""
    needle = name.strip().casefold()
    return [
        item
        for item in items
        if (not needle or needle in item.name.casefold()) and not (hide_disabled and item.disabled)
    ]


def sort_items(items: Sequence[InventoryItem], sort: str = "") -> list[InventoryItem]:
    """Sorted by price (USD) or name; items without a price go last either way. Accepted items always
    come before disabled ones: what can be taken is what support is asked about."""
    if sort in ("price_asc", "price_desc"):
        priced = sorted(
            (i for i in items if i.price is not None),
            key=lambda i: i.price or ZERO,
            reverse=sort == "price_desc",
        )
        ordered = priced + [i for i in items if i.price is None]
    elif sort in ("name_asc", "name_desc"):
        ordered = sorted(items, key=lambda i: i.name.casefold(), reverse=sort == "name_desc")
    else:
        ordered = list(items)
    return sorted(ordered, key=lambda i: i.disabled)  # stable: each group keeps the order above


def amount(value: Decimal | None) -> str:
    """The provider's number as it gave it (6.49 stays 6.49, 10 stays 10), never in exponent form: for the
    command's machine-readable output. Pages show `money()` (1,234.50 RUB)."""
    return "—" if value is None else format(value, "f")


def sticker_names(stickers: Sequence[Any]) -> str:
    """The vendor does not document a sticker's shape: accept names, or objects with a name."""
    names = []
    for sticker in stickers:
        if isinstance(sticker, dict):
            names.append(
                str(sticker.get("name") or sticker.get("title") or sticker.get("market_hash_name") or "")
            )
        else:
            names.append(str(sticker))
    return ", ".join(n for n in names if n)


def card(item: InventoryItem, currency: str = "") -> dict[str, Any]:
    """One item, pre-formatted: the template only prints (a dict is the template engine's fastest lookup).
    Amounts in the one money format (purchases/money.py): 12312.0 and 12312.00 both read 12,312.00."""
    return {
        "asset_id": item.asset_id,
        "name": item.name,
        "image": item.image_url,
        "usd": money(item.price, "USD"),
        "local": money(item.price_local, currency),
        "multiplied": money(item.multiplied_price_local, currency),
        "disabled": item.disabled,
        "tradable": item.tradable,
        "stickers": sticker_names(item.stickers) if item.stickers else "",
    }


@dataclass(frozen=True)
class Listing:
    cards: list[dict[str, Any]]
    summary: Summary
    shown: int


def build_listing(
    items: Sequence[InventoryItem],
    *,
    name: str = "",
    sort: str = "",
    hide_disabled: bool = False,
    currency: str = "",
) -> Listing:
    """What the page shows: the filtered, sorted cards, and the summary of the whole inventory.
    `currency` is the one the provider priced in (Inventory.currency_local)."""
    shown = sort_items(filter_items(items, name=name, hide_disabled=hide_disabled), sort)
    cards = [card(i, currency) for i in shown]
    return Listing(cards=cards, summary=summarize(items), shown=len(shown))


#: a multiplied price within this of local x multiplier counts as applied (providers round to cents)
MULTIPLIER_SLACK = Decimal("0.02")


def multiplier_note(items: Iterable[InventoryItem], multiplier: Decimal | None, provider: str) -> str:
    """'' when the multiplier asked for shows in the multiplied prices (or none was asked, or nothing is
    priced); else what the provider did instead, so nobody reads its prices as multiplied."""
    if multiplier is None or multiplier == 1:
        return ""
    priced = [i for i in items if i.price_local]
    if not priced:
        return ""
    multiplied = [i for i in priced if i.multiplied_price_local is not None]
    if not multiplied:
        return f"{provider} returned no multiplied prices: the multiplier {multiplier} was not applied."
    applied = [i for i in multiplied if _multiplied(i, multiplier)]
    if applied:
        return ""
    return (
        f"{provider} did not apply the multiplier {multiplier}: its multiplied prices are not the local "
        f"prices times {multiplier}. Read them as {provider} gave them."
    )


def _multiplied(item: InventoryItem, multiplier: Decimal) -> bool:
    expected = item.price_local * multiplier
    return abs(item.multiplied_price_local - expected) <= MULTIPLIER_SLACK * max(1, item.price_local)
