"""The inventory page's GET form: what to ask the provider for, and how to show the answer.

Everything is checked here, before any request, with the limits of SkinsBack's user_inventory page
(multiplier 0.5-2, custom currency up to 4 characters with a rate of at least 0.1), and our own upper
bound of the rate (purchases/validators.py keeps every bound). Amounts are parsed from text of ASCII
digits by `parse_decimal`, never through float.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict

from purchases.models import INVENTORY_GAMES, ProviderCode
from purchases.providers import PROVIDERS
from purchases.validators import MULTIPLIER_MAX, MULTIPLIER_MIN, RATE_MAX, RATE_MIN, parse_decimal

from .listing import SORTS
from .services import REQUEST_OPTIONS, InventoryOptions

GAMES = [(game.value, game.label) for game in INVENTORY_GAMES]
DEFAULT_GAME = "cs2"
CURRENCY_RE = re.compile(r"^[A-Za-z]{3,4}$")
CUSTOM_CURRENCY_RE = re.compile(r"^[A-Za-z]{1,4}$")
REQUEST_FIELDS = REQUEST_OPTIONS


def default_provider() -> str:
    first = next(iter(PROVIDERS))
    configured = getattr(settings, "DEFAULT_PROVIDER", first)
    return configured if configured in ProviderCode.values else first


def _provider_names() -> str:
    return " or ".join(cls.label for cls in PROVIDERS.values())


def _decimal_input(placeholder: str) -> forms.TextInput:
    # a text box, not type=number: the browser would round or block values, and our message is clearer
    return forms.TextInput(attrs={"inputmode": "decimal", "placeholder": placeholder, "size": 6})


class InventoryForm(forms.Form):
    provider = forms.ChoiceField(
        choices=ProviderCode.choices,
        error_messages={"invalid_choice": f"Unknown provider “%(value)s”: choose {_provider_names()}."},
    )
    game = forms.ChoiceField(
        choices=GAMES,
        error_messages={"invalid_choice": "Unknown game “%(value)s”: choose CS2, Dota 2 or Rust."},
    )
    currency = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"size": 5, "placeholder": "usd, rub"})
    )
    multiplier = forms.CharField(required=False, max_length=40, widget=_decimal_input("0.5 to 2"))
    custom_currency = forms.CharField(
        label="Custom currency",
        required=False,
        widget=forms.TextInput(attrs={"size": 5, "placeholder": "pts"}),
    )
    rate = forms.CharField(label="Its rate", required=False, max_length=40, widget=_decimal_input("≥ 0.1"))
    q = forms.CharField(label="Name contains", required=False, max_length=100)
    sort = forms.ChoiceField(choices=list(SORTS.items()), required=False)
    hide_disabled = forms.BooleanField(label="Hide not accepted", required=False, label_suffix="")

    @classmethod
    def from_query(cls, query: QueryDict | dict[str, Any]) -> InventoryForm:
        """Bound to the URL's parameters, with the defaults filled in so an empty URL is a valid view."""
        data = query.copy()
        for name, default in (("provider", default_provider()), ("game", DEFAULT_GAME)):
            if not data.get(name):
                data[name] = default
        return cls(data)

    def clean_currency(self) -> str:
        value = self.cleaned_data["currency"].strip()
        if value and not CURRENCY_RE.match(value):
            raise forms.ValidationError(f"Currency “{value}”: use a 3 or 4 letter code, like usd or rub.")
        return value.lower()

    def clean_custom_currency(self) -> str:
        value = self.cleaned_data["custom_currency"].strip()
        if value and not CUSTOM_CURRENCY_RE.match(value):
            raise forms.ValidationError(f"Custom currency “{value}”: use at most 4 letters, like pts.")
        return value

    def clean_multiplier(self) -> Decimal | None:
        value = _amount(self.cleaned_data["multiplier"], "multiplier")
        if value is not None and not MULTIPLIER_MIN <= value <= MULTIPLIER_MAX:
            raise forms.ValidationError(
                f"Multiplier {value}: it must be from {MULTIPLIER_MIN} to {MULTIPLIER_MAX}."
            )
        return value

    def clean_rate(self) -> Decimal | None:
        value = _amount(self.cleaned_data["rate"], "rate")
        if value is not None and value < RATE_MIN:
            raise forms.ValidationError(f"Rate {value}: it must be at least {RATE_MIN}.")
        if value is not None and value > RATE_MAX:
            raise forms.ValidationError(f"Rate {value}: it must be at most {RATE_MAX:,}.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        custom, rate = data.get("custom_currency"), data.get("rate")
        # only judge the pair when each half was valid by itself, so one mistake gives one message
        if custom and rate is None and "rate" not in self.errors:
            self.add_error("rate", "A custom currency needs its rate (at least 0.1).")
        if rate is not None and not custom and "custom_currency" not in self.errors:
            self.add_error("custom_currency", "A rate needs the custom currency it belongs to.")
        return data

    def request_fields(self) -> list[forms.BoundField]:
        """The fields that go to the provider, shown apart from the display ones."""
        return [self[name] for name in REQUEST_FIELDS]

    def options(self) -> InventoryOptions:
        """What to ask the provider; only call on a valid form."""
        # blank text is no option; the amounts are None or at least 0.1, never a falsy Decimal
        return InventoryOptions(**{name: self.cleaned_data[name] or None for name in REQUEST_FIELDS})

    def display(self) -> dict[str, Any]:
        """How to show the answer: name filter, sort, hide disabled (never part of the request)."""
        data = self.cleaned_data
        return {"name": data["q"], "sort": data["sort"], "hide_disabled": data["hide_disabled"]}


def _amount(text: str, field: str) -> Decimal | None:
    """Blank is no value; anything else is a plain decimal of ASCII digits (bounded by the caller)."""
    text = text.strip()
    return parse_decimal(text, field=field, example="1.5") if text else None
