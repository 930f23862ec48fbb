"""Forms of the buy pages: they parse and validate; the views call one service with what they return.

A confirmation line is keyed `i<item pk>` (a catalog item) or `r<purchase pk>` (buying a failed or
rejected purchase again). `load_lines` fetches every line of a page in two queries, whatever their number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, ValidationError

from .models import Game, Item, ProviderCode, Purchase, SteamUser
from .providers.base import CatalogEntry
from .services.create import BuyLine, default_max_price, max_price_cap
from .validators import parse_money, validate_steam_id

MAX_LINES = 500
SEARCH_SALT = "purchases.buy.search"
SEARCH_LIMIT = 200
CENT = Decimal("0.01")
SEARCH_MAX_AGE = 3600  # seconds a search result may be picked from
#: Skinify names CS2 `csgo`; Item.game uses our own names
GAME_NAMES = {"csgo": "cs2"}


def parse_ids(text: str | None) -> list[int]:
    """`"3,5, 8"` -> [3, 5, 8]; anything that is not a positive integer is dropped."""
    parts = (part.strip() for part in (text or "").split(","))
    return [int(part) for part in parts if part.isdigit() and int(part) > 0]


def line_keys(item_ids: list[int], replace_ids: list[int]) -> list[str]:
    return [f"i{pk}" for pk in item_ids] + [f"r{pk}" for pk in replace_ids]


# -------------------------------------------------------------------------------------- lines


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

    @property
    def field_name(self) -> str:
        return f"max_{self.key}"

    @property
    def price_text(self) -> str:
        """`$10.00`, or every digit the provider gave when it is not whole cents."""
        if self.price is None:
            return ""
        cents = self.price.quantize(CENT)
        return f"${cents if cents == self.price else self.price.normalize()}"


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


def plan_lines(lines: list[Line], skipped: list[Skipped]) -> Plan:
    """Keep what can be bought in one batch; say why the rest is skipped."""
    kept: list[Line] = []
    skipped = list(skipped)
    provider = ""
    for line in lines:
        reason = _skip_reason(line, provider)
        if reason:
            skipped.append(Skipped(line.name, reason))
            continue
        provider = provider or line.provider
        kept.append(line)
    return Plan(provider or (lines[0].provider if lines else settings.DEFAULT_PROVIDER), kept, skipped)


def _skip_reason(line: Line, provider: str) -> str:
    old = line.replaces
    if old is not None and not old.is_rebuyable:
        return (
            f"{old.custom_id} is {old.get_state_display().lower()}: only failed or rejected are bought again"
        )
    if old is not None and replaced_by(old):
        return f"{old.custom_id} was already bought again as {replaced_by(old)}"
    if not line.available:
        return "unavailable: the provider lists it as not on sale"
    if provider and line.provider != provider:
        sold_by, batch_by = ProviderCode(line.provider).label, ProviderCode(provider).label
        return f"sold by {sold_by}; one batch buys from {batch_by} only"
    return ""


def replaced_by(old: Purchase) -> str:
    try:
        return old.replaced_by.custom_id
    except ObjectDoesNotExist:
        return ""


# -------------------------------------------------------------------------------------- forms


class ChooseUserForm(forms.Form):
    """Who receives the selected items: picked from the list, or typed as a Steam id."""

    steam_user = forms.ModelChoiceField(
        queryset=SteamUser.objects.all(),
        required=False,
        label="Steam user",
        widget=AutocompleteSelect(Purchase._meta.get_field("steam_user"), admin.site),
    )
    steam_id = forms.CharField(
        required=False, max_length=32, label="or Steam id", help_text="SteamID64, 17 digits."
    )
    items = forms.CharField(widget=forms.HiddenInput)

    def clean_steam_id(self) -> str:
        value = self.cleaned_data["steam_id"].strip()
        if value:
            validate_steam_id(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user, steam_id = data.get("steam_user"), data.get("steam_id")
        if user is None and steam_id:
            user = SteamUser.objects.filter(steam_id=steam_id).first()
            if user is None:
                self.add_error(
                    "steam_id", f"No Steam user {steam_id} here yet: add them (with a trade URL) first."
                )
        elif user is None and not self.has_error("steam_id"):
            raise ValidationError("Choose a Steam user, or type a Steam id.")
        data["user"] = user
        return data


class MarketSearchForm(forms.Form):
    provider = forms.ChoiceField(choices=ProviderCode.choices)
    game = forms.ChoiceField(choices=Game.choices)
    name = forms.CharField(
        min_length=3,
        max_length=255,
        label="Name",
        help_text="Market hash name, or a part of it (3+ characters).",
    )


def search_rows(entries: list[CatalogEntry], game: str) -> list[dict[str, str]]:
    """Search results as plain strings (they travel signed in the page); entries without an id cannot be
    bought from the catalog and are left out."""
    return [
        {
            "id": e.item_id,
            "name": e.name[:255],
            "game": GAME_NAMES.get(e.game, e.game) or game,
            "price": str(e.price),
            "classid": e.classid,
            "instanceid": e.instanceid,
            "count": "" if e.count is None else str(e.count),
        }
        for e in entries
        if e.item_id
    ][:SEARCH_LIMIT]


def sign_results(provider: str, entries: list[dict[str, str]]) -> str:
    return signing.dumps({"p": provider, "e": entries}, salt=SEARCH_SALT, compress=True)


class PickForm(forms.Form):
    """The search results the operator ticked. The results travel signed, so no price can be forged."""

    results = forms.CharField(widget=forms.HiddenInput)
    picked = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.results: dict[str, Any] = {}
        try:
            raw = self.data.get("results") or ""
            self.results = signing.loads(raw, salt=SEARCH_SALT, max_age=SEARCH_MAX_AGE)
        except signing.BadSignature:
            self.results = {"p": "", "e": []}
        self.fields["picked"].choices = [(e["id"], e["name"]) for e in self.results["e"]]

    def clean_results(self) -> str:
        if not self.results.get("p"):
            raise ValidationError("These search results have expired: search again.")
        return self.cleaned_data["results"]

    def clean_picked(self) -> list[str]:
        if not self.cleaned_data["picked"]:
            raise ValidationError("Tick at least one item to buy.")
        return self.cleaned_data["picked"]

    def picked_entries(self) -> tuple[str, list[dict[str, str]]]:
        wanted = set(self.cleaned_data["picked"])
        return self.results["p"], [e for e in self.results["e"] if e["id"] in wanted]


class ConfirmForm(forms.Form):
    """The confirmation page: one max price per line, the batch id that makes a resubmission harmless."""

    steam_user = forms.ModelChoiceField(queryset=SteamUser.objects.all(), widget=forms.HiddenInput)
    batch_id = forms.UUIDField(widget=forms.HiddenInput)
    lines = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, lines: list[Line], unknown: Sequence[Skipped] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan_lines = lines
        self.unknown = list(unknown)
        for line in lines:
            self.fields[line.field_name] = forms.CharField(
                label=f"Max price of {line.name}",
                initial=line.default_max,
                max_length=20,
                widget=forms.TextInput(attrs={"class": "bo-max-price", "inputmode": "decimal", "size": 9}),
            )

    @classmethod
    def initial_for(cls, user: SteamUser, plan: Plan) -> ConfirmForm:
        initial = {"steam_user": user.pk, "batch_id": uuid.uuid4(), "lines": ",".join(plan.keys)}
        return cls(initial=initial, lines=plan.lines)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.submitted_before = (
            bool(data.get("batch_id")) and Purchase.objects.filter(batch_id=data["batch_id"]).exists()
        )
        if self.submitted_before:
            return data
        for problem in self.unknown:
            self.add_error(None, f"{problem.label}: {problem.reason}.")
        if not self.plan_lines:
            self.add_error(None, "Select at least one item to buy.")
        if len(self.plan_lines) > MAX_LINES:
            self.add_error(None, f"At most {MAX_LINES} items per batch.")
        cap = max_price_cap()
        for line in self.plan_lines:
            data[line.field_name] = self._max_price(line, data.get(line.field_name), cap)
        return data

    def _max_price(self, line: Line, value: str | None, cap: Decimal) -> Decimal | None:
        if value is None:
            return None  # required: already reported
        try:
            amount = parse_money(value, field="max price")
        except ValidationError as error:
            self.add_error(line.field_name, error)
            return None
        if amount > cap:
            self.add_error(line.field_name, f"The max price {amount} is above the cap of {cap} USD per item.")
            return None
        return amount

    def buy_lines(self) -> list[BuyLine]:
        return [
            BuyLine(
                max_price=self.cleaned_data[line.field_name],
                item=line.item,
                name=line.name,
                game=line.game,
                replaces=line.replaces,
            )
            for line in self.plan_lines
        ]

    def max_prices(self) -> list[Decimal | None]:
        """Each line's max price as shown: the default on a fresh page, else the input if it parses."""
        if not self.is_bound:
            return [line.default_max for line in self.plan_lines]
        values = [self.data.get(line.field_name) for line in self.plan_lines]
        return [_money_or_none(v) for v in values]


def _money_or_none(value: object) -> Decimal | None:
    try:
        return parse_money(value)
    except ValidationError:
        return None
