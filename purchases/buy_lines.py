"""The lines of a confirmation page: what will be bought, and what is skipped and why.

A line is keyed `i<item pk>` (a catalog item) or `r<purchase pk>` (buying a failed or rejected purchase
again). `load_lines` fetches every line of a page in two queries, whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist

from .ages import read_ago
from .models import Item, ProviderCode, Purchase
from .services.create import default_max_price, max_price_cap

CENT = Decimal("0.01")


#: the lines a confirmation page computed travel signed in the page: a POST buys exactly those
PLAN_SALT = "purchases.buy.plan"
PLAN_MAX_AGE = 3600  # seconds a confirmation page may be submitted (prices move; it is opened again)


@dataclass(frozen=True)
class SignedPlan:
    steam_user: int
    batch_id: str
    provider: str
    keys: list[str]

    def dumps(self) -> str:
        data = {"u": self.steam_user, "b": self.batch_id, "p": self.provider, "k": self.keys}
        return signing.dumps(data, salt=PLAN_SALT, compress=True)

    @classmethod
    def loads(cls, value: str) -> SignedPlan:
        """The plan a page of this server computed; signing.BadSignature for anything else or too old."""
        data = signing.loads(value or "", salt=PLAN_SALT, max_age=PLAN_MAX_AGE)
        keys = [str(k) for k in data["k"]]
        return cls(int(data["u"]), str(data["b"]), str(data["p"]), keys)


def parse_ids(text: str | None) -> list[int]:
    """`"3,5, 8"` -> [3, 5, 8]; anything that is not a positive integer is dropped."""
    parts = (part.strip() for part in (text or "").split(","))
    return [int(part) for part in parts if part.isdigit() and int(part) > 0]


def line_keys(item_ids: list[int], replace_ids: list[int]) -> list[str]:
    return [f"i{pk}" for pk in item_ids] + [f"r{pk}" for pk in replace_ids]


@dataclass
class Line:
    key: str
    name: str
    game: str
    provider: str
    price: Decimal | None
    default_max: Decimal | None
    available: bool
    item: Item | None = None
    replaces: Purchase | None = None
    price_before: Decimal | None = None  # the catalog's price when the re-read changed it

    @property
    def field_name(self) -> str:
        return f"max_{self.key}"

    @property
    def synced_at(self) -> datetime | None:
        return self.item.synced_at if self.item is not None else None

    @property
    def read_text(self) -> str:
        """`prices read 3 days ago`; a line bought again by name has no catalog price to be read."""
        if self.item is None:
            return "price of the earlier purchase"
        return "price " + read_ago(self.item.synced_at)

    @property
    def above_cap(self) -> bool:
        return self.price is not None and self.price > max_price_cap()

    def below_price(self, max_price: Decimal | None) -> bool:
        """True when `max_price` cannot buy the listing at its known price (the provider refuses it with
        skins_not_found_at_specified_price)."""
        return self.price is not None and max_price is not None and max_price < self.price


@dataclass
class Skipped:
    label: str
    reason: str


@dataclass
class Plan:
    provider: str
    lines: list[Line]
    skipped: list[Skipped]

    @property
    def keys(self) -> list[str]:
        return [line.key for line in self.lines]


def load_lines(keys: list[str]) -> tuple[list[Line], list[Skipped]]:
    """The lines of `keys` in their order (two queries in all), and the keys that are unknown or repeated."""
    item_ids = [int(k[1:]) for k in keys if k[:1] == "i" and k[1:].isdigit()]
    replace_ids = [int(k[1:]) for k in keys if k[:1] == "r" and k[1:].isdigit()]
    items = {i.pk: i for i in Item.objects.filter(pk__in=item_ids)} if item_ids else {}
    olds = Purchase.objects.select_related("item", "replaced_by").filter(pk__in=replace_ids)
    found = {f"i{pk}": _item_line(item) for pk, item in items.items()}
    found.update({f"r{p.pk}": _rebuy_line(p) for p in (olds if replace_ids else [])})
    lines, skipped, seen = [], [], set()
    for key in keys:
        line = found.get(key)
        if line is None:
            skipped.append(Skipped(key, "not found: it was removed from the catalog or never existed"))
        elif key in seen:
            skipped.append(Skipped(line.name, "listed twice: bought once"))
        else:
            seen.add(key)
            lines.append(line)
    return lines, skipped


def reread(line: Line, before: Decimal | None = None) -> Line:
    """The line again from its (re-read) item: price, default max price and availability as they are now."""
    fresh = _rebuy_line(line.replaces) if line.replaces is not None else _item_line(line.item)
    fresh.price_before = before
    return fresh


def _item_line(item: Item) -> Line:
    price, default = item.price, default_max_price(item.price)
    return Line(f"i{item.pk}", item.name, item.game, item.provider, price, default, item.available, item)


def _rebuy_line(old: Purchase) -> Line:
    """A failed or rejected purchase bought again: its item when it has one, else by name and game."""
    item = old.item
    price = item.price if item is not None else old.price
    default = default_max_price(price) or min(old.max_price, max_price_cap()).quantize(CENT)
    available = item.available if item is not None else True
    return Line(f"r{old.pk}", old.item_name, old.game, old.provider, price, default, available, item, old)


def plan_lines(lines: list[Line], skipped: list[Skipped], steam_user_id: int | None = None) -> Plan:
    """Keep what can be bought in one batch for this Steam user; say why the rest is skipped."""
    kept: list[Line] = []
    skipped = list(skipped)
    provider = ""
    for line in lines:
        reason = _skip_reason(line, provider, steam_user_id)
        if reason:
            skipped.append(Skipped(line.name, reason))
            continue
        provider = provider or line.provider
        kept.append(line)
    return Plan(provider or (lines[0].provider if lines else settings.DEFAULT_PROVIDER), kept, skipped)


def _skip_reason(line: Line, provider: str, steam_user_id: int | None) -> str:
    old = line.replaces
    if old is not None and steam_user_id is not None and old.steam_user_id != steam_user_id:
        return f"{old.custom_id} was for another Steam user: it is bought again only for its own recipient"
    if old is not None and not old.is_rebuyable:
        return (
            f"{old.custom_id} is {old.get_state_display().lower()}: only failed or rejected are bought again"
        )
    if old is not None and replaced_by(old):
        return f"{old.custom_id} was already bought again as {replaced_by(old)}"
    if not line.available:
        return f"unavailable: the provider lists it as not on sale ({read_ago(line.synced_at)})"
    if provider and line.provider != provider:
        sold_by, batch_by = ProviderCode(line.provider).label, ProviderCode(provider).label
        return f"sold by {sold_by}; one batch buys from {batch_by} only"
    return ""


def replaced_by(old: Purchase) -> str:
    try:
        return old.replaced_by.custom_id
    except ObjectDoesNotExist:
        return ""
