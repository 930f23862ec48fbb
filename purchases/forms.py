"""Forms of the buy pages: they parse and validate; the views call one service with what they return.

Only forms live here: the confirmation lines (what is bought, what is skipped and why) are in buy_lines.py,
the search results the pages show and sign are made in admin/market.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.widgets import AutocompleteSelect
from django.core import signing
from django.core.exceptions import ValidationError

from .buy_lines import Line, Plan, SignedPlan, Skipped
from .models import Game, ProviderCode, Purchase, SteamUser
from .money import usd
from .routing import label, routing_enabled
from .search import USER_HELP, clean
from .services.create import BuyLine, max_price_cap
from .validators import parse_money, validate_steam_id

MAX_LINES = 500
#: the search results travel signed in the page (admin/market.py signs them, PickForm reads them)
SEARCH_SALT = "purchases.buy.search"
SEARCH_MAX_AGE = 3600  # seconds a search result may be picked from


# -------------------------------------------------------------------------------------- forms


class ChooseUserForm(forms.Form):
    """Who receives the selected items: picked from the list, or typed as a Steam id."""

    steam_user = forms.ModelChoiceField(queryset=SteamUser.objects.all(), required=False)  # see __init__
    steam_id = forms.CharField(
        required=False, max_length=32, label="or Steam id", help_text="SteamID64, 17 digits."
    )
    # none (the dashboard's "Buy skins"): the chosen user's market search comes next
    items = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, admin_site: AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the admin's own autocomplete of Steam users, served by the site that shows this form
        widget = AutocompleteSelect(Purchase._meta.get_field("steam_user"), admin_site)
        # its search is SteamUserAdmin's: the one search rule (purchases/search.py)
        self.fields["steam_user"] = forms.ModelChoiceField(
            queryset=SteamUser.objects.all(),
            required=False,
            label="Steam user",
            widget=widget,
            help_text=USER_HELP,
        )

    def clean_steam_id(self) -> str:
        value = clean(self.cleaned_data["steam_id"])
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


#: the orders of a market search (admin/market.py SORT_KEYS sorts by them, before the rows are capped)
SORTS = [
    ("", "as the provider lists them"),
    ("price", "price, lowest first"),
    ("-price", "price, highest first"),
    ("wear", "wear, Factory New first"),
    ("name", "name, A to Z"),
]


#: the market search's provider choice that lets the confirmation buy each line where it is cheapest
BEST = "best"


class MarketSearchForm(forms.Form):
    """A search of one provider's market. With more than one provider configured "Best price" is offered and
    is the default: the search runs at DEFAULT_PROVIDER's market and the confirmation routes each line."""

    provider = forms.ChoiceField(choices=ProviderCode.choices)
    game = forms.ChoiceField(choices=Game.choices)
    name = forms.CharField(
        min_length=3,
        max_length=255,
        label="Name",
        help_text="Market hash name, or a part of it (3+ characters).",
        # the page is for searching: the box has the focus on load (an attribute, no script)
        widget=forms.TextInput(attrs={"autofocus": True, "enterkeyhint": "search", "spellcheck": "false"}),
    )
    sort = forms.ChoiceField(choices=SORTS, required=False, label="Sort by")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        if routing_enabled():
            field.choices = [(BEST, "Best price"), *ProviderCode.choices]
            field.initial = BEST
        else:
            field.initial = settings.DEFAULT_PROVIDER

    @staticmethod
    def best_market() -> str:
        """The market a "Best price" search reads."""
        return settings.DEFAULT_PROVIDER

    def market(self) -> str:
        """The provider whose market is searched (after is_valid)."""
        provider = self.cleaned_data["provider"]
        return self.best_market() if provider == BEST else provider

    def via(self) -> str:
        """The provider the confirmation prefers for the picked lines: '' for "Best price"."""
        provider = self.cleaned_data["provider"]
        return "" if provider == BEST else provider


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
    """The confirmation page: one max price per line, the batch id that makes a resubmission harmless, and
    per routed line the provider it is bought from (`via_<key>`: one of those its page offered, signed)."""

    steam_user = forms.ModelChoiceField(queryset=SteamUser.objects.all(), widget=forms.HiddenInput)
    batch_id = forms.UUIDField(widget=forms.HiddenInput)
    lines = forms.CharField(widget=forms.HiddenInput, required=False)
    #: the lines, their offers, user and batch this page was computed for, signed (buy_lines.SignedPlan)
    plan = forms.CharField(widget=forms.HiddenInput, required=False)
    acknowledge = forms.BooleanField(
        required=False, label="Send the lines marked below the current price anyway"
    )
    over_balance = forms.BooleanField(
        required=False, label="Send anyway: the total is above the provider's balance"
    )

    def __init__(
        self,
        *args: Any,
        lines: list[Line],
        unknown: Sequence[Skipped] = (),
        signed: SignedPlan | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.plan_lines = lines
        self.unknown = list(unknown)
        self.signed = signed
        for line in lines:
            self.fields[line.field_name] = forms.CharField(
                label=f"Max price of {line.name}",
                initial=line.default_max,
                max_length=20,
                widget=forms.TextInput(attrs={"class": "bo-max-price", "inputmode": "decimal", "size": 9}),
            )
            self.fields[f"again_{line.key}"] = forms.BooleanField(required=False, label="Pay again")
        # the providers a line may be bought from: those its page offered (signed), else the line's own
        offers = signed.offers if signed is not None else {line.key: line.offers for line in lines}
        for line in lines:
            if offers.get(line.key):
                self.fields[f"via_{line.key}"] = _via_field(line, offers[line.key])

    @classmethod
    def initial_for(cls, user: SteamUser, plan: Plan, batch_id: uuid.UUID | None = None) -> ConfirmForm:
        batch_id = batch_id or uuid.uuid4()
        signed = SignedPlan.of(user.pk, str(batch_id), plan)
        initial = {
            "steam_user": user.pk,
            "batch_id": batch_id,
            "lines": ",".join(plan.keys),
            "plan": signed.dumps(),
            **{f"via_{line.key}": line.provider for line in plan.lines if line.offers},
        }
        return cls(initial=initial, lines=plan.lines)

    def selected(self) -> dict[str, str]:
        """{line key: the provider chosen on the page} of the routed lines ('' leaves the page's choice)."""
        return {
            name[4:]: self.cleaned_data.get(name) or "" for name in self.fields if name.startswith("via_")
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.submitted_before = (
            bool(data.get("batch_id")) and Purchase.objects.filter(batch_id=data["batch_id"]).exists()
        )
        if self.submitted_before:
            return data
        self._check_signed(data)
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

    def _check_signed(self, data: dict[str, Any]) -> None:
        """The POST must be the page this server computed: same Steam user, same batch."""
        signed, user = self.signed, data.get("steam_user")
        if signed is None:
            self.add_error(None, "This confirmation was not made by this server: open it again.")
        elif user is None or user.pk != signed.steam_user or str(data.get("batch_id")) != signed.batch_id:
            self.add_error(None, "This confirmation does not match the page it came from: open it again.")

    def _max_price(self, line: Line, value: str | None, cap: Decimal) -> Decimal | None:
        if value is None:
            return None  # required: already reported
        try:
            amount = parse_money(value, field="max price")
        except ValidationError as error:
            self.add_error(line.field_name, error)
            return None
        if amount > cap:
            self.add_error(
                line.field_name, f"The max price {usd(amount)} is above the cap of {usd(cap)} per item."
            )
            return None
        return amount

    def buy_lines(self, lines: Sequence[Line]) -> list[BuyLine]:
        """What `purchases_create` buys of `lines` (the form's lines as routed for the POST): each from its
        item's provider, with the routing's record (route, every provider's quote, the saving)."""
        return [
            BuyLine(
                max_price=self.cleaned_data[line.field_name],
                item=line.item,
                name=line.name,
                game=line.game,
                replaces=line.replaces,
                known_price=line.price,
                acknowledged=self.cleaned_data.get("acknowledge", False),
                pay_again=self.cleaned_data.get(f"again_{line.key}", False),
                route=line.choice.route if line.choice is not None else "",
                quotes=line.choice.quotes if line.choice is not None else {},
                saving=line.choice.saving if line.choice is not None else None,
            )
            for line in lines
        ]

    def below_price_keys(self) -> set[str]:
        """The lines whose max price, as shown, is below their known price."""
        pairs = zip(self.plan_lines, self.max_prices(), strict=True)
        return {line.key for line, price in pairs if line.below_price(price)}

    def max_prices(self) -> list[Decimal | None]:
        """Each line's max price as shown: the default on a fresh page, else the input if it parses."""
        if not self.is_bound:
            return [line.default_max for line in self.plan_lines]
        values = [self.data.get(line.field_name) for line in self.plan_lines]
        return [_money_or_none(v) for v in values]


def _via_field(line: Line, offers: dict[str, int]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=f"Provider of {line.name}",
        choices=[(code, label(code)) for code in offers],
        required=False,
        error_messages={
            "invalid_choice": "%(value)s is not a provider this page offered for this line: nothing of it "
            "is bought from there. Choose one of the list."
        },
    )


def _money_or_none(value: object) -> Decimal | None:
    try:
        return parse_money(value)
    except ValidationError:
        return None
