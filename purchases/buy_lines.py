"""The lines of a confirmation page: what will be bought, and what is skipped and why.

A line is keyed `i<item pk>` (a catalog item) or `r<purchase pk>` (buying a failed or rejected purchase
again). `load_lines` fetches every line of a page in two queries, whatever their number. When more than
one provider is configured, a catalog line is bought where its skin is cheapest (buy_routes.py routes it:
`Line.choice`, `Line.offers`); a batch may then buy from several providers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist

from .ages import read_ago
from .models import Item, Purchase
from .routing import buy_providers, label
from .services.create import default_max_price, max_price_cap

if TYPE_CHECKING:
    from .routing import Choice

CENT = Decimal("0.01")


#: the lines a confirmation page computed travel signed in the page: a POST buys exactly those
PLAN_SALT = "purchases.buy.plan"
PLAN_MAX_AGE = 3600  # seconds a confirmation page may be submitted (prices move; it is opened again)


@dataclass(frozen=True)
class SignedPlan:
    """What a confirmation page computed, signed into it: the Steam user, the batch, the line keys, and per
    routed line the provider it chose (`chosen`) and each provider's listing it offered (`offers`,
    {provider: item pk}). A POST buys only those keys, each from one of its offered listings."""

    steam_user: int
    batch_id: str
    keys: list[str]
    chosen: dict[str, str] = field(default_factory=dict)
    offers: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, steam_user: int, batch_id: str, plan: Plan) -> SignedPlan:
        routed = [line for line in plan.lines if line.offers]
        chosen = {line.key: line.provider for line in routed}
        return cls(steam_user, batch_id, plan.keys, chosen, {line.key: line.offers for line in routed})

    def dumps(self) -> str:
        data = {"u": self.steam_user, "b": self.batch_id, "k": self.keys, "c": self.chosen, "o": self.offers}
        return signing.dumps(data, salt=PLAN_SALT, compress=True)

    @classmethod
    def loads(cls, value: str) -> SignedPlan:
        """The plan a page of this server computed; signing.BadSignature for anything else or too old."""
        data = signing.loads(value or "", salt=PLAN_SALT, max_age=PLAN_MAX_AGE)
        keys = [str(k) for k in data["k"]]
        chosen = {str(k): str(v) for k, v in data.get("c", {}).items()}
        offers = {
            str(k): {str(code): int(pk) for code, pk in per.items()} for k, per in data.get("o", {}).items()
        }
        return cls(int(data["u"]), str(data["b"]), keys, chosen, offers)


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
    #: routed (buy_routes.py): every provider's option for the skin, `chosen` the one this line buys
    choice: Choice | None = None
    #: the listings the operator may switch the line to: {provider: item pk}, the chosen one among them
    offers: dict[str, int] = field(default_factory=dict)

    @property
    def field_name(self) -> str:
        return f"max_{self.key}"

    @property
    def provider_label(self) -> str:
        return label(self.provider)

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
    providers: list[str]  # the providers the lines are bought from, first line's first
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
    """Keep what can be bought in one batch for this Steam user; say why the rest is skipped. A batch may
    buy from every configured provider (each line from its item's)."""
    allowed = buy_providers()
    kept: list[Line] = []
    skipped = list(skipped)
    for line in lines:
        reason = _skip_reason(line, allowed, steam_user_id)
        if reason:
            skipped.append(Skipped(line.name, reason))
        else:
            kept.append(line)
    providers = list(dict.fromkeys(line.provider for line in kept))
    return Plan(providers or [lines[0].provider if lines else settings.DEFAULT_PROVIDER], kept, skipped)


def _skip_reason(line: Line, allowed: list[str], steam_user_id: int | None) -> str:
    old = line.replaces
    if old is not None and steam_user_id is not None and old.steam_user_id != steam_user_id:
        return f"{old.custom_id} was for another Steam user: it is bought again only for its own recipient"
    if old is not None and not old.is_rebuyable:
        return (
            f"{old.custom_id} is {old.get_state_display().lower()}: only failed or rejected are bought again"
        )
    if old is not None and replaced_by(old):
        return f"{old.custom_id} was already bought again as {replaced_by(old)}"
    if line.choice is not None and line.choice.chosen is None:
        why = "; ".join(f"{label(o.provider)}: {o.why_not}" for o in line.choice.options)
        return f"no provider can buy it now ({why})"
    if not line.available:
        return f"unavailable: the provider lists it as not on sale ({read_ago(line.synced_at)})"
    if line.provider not in allowed:
        only = " and ".join(label(code) for code in allowed)
        return f"sold by {label(line.provider)}; this back-office buys from {only} only (BUY_PROVIDERS)"
    return ""


def replaced_by(old: Purchase) -> str:
    try:
        return old.replaced_by.custom_id
    except ObjectDoesNotExist:
        return ""
