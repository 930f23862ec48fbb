"""`manage.py show_inventory --steam-id S [...]`: the inventory page as a table or JSON.

It lives in the inventory app, not in purchases: purchases never imports inventory (DESIGN section 2).
It validates with the page's own form, so a bad option is refused the same way and asks nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.errors import Problem, describe_error, problem
from inventory.forms import GAMES, InventoryForm
from inventory.listing import SORTS, Summary, amount, filter_items, multiplier_note, sort_items, summarize
from inventory.services import REQUEST_OPTIONS, LoadedInventory, fetch_inventory
from purchases.models import ProviderCode, SteamUser
from purchases.money import money, usd
from purchases.providers.base import InventoryItem, ProviderError
from purchases.validators import validate_steam_id

NAME_WIDTH = 48

#: command option -> form field
FORM_FIELDS = {**{name: name for name in REQUEST_OPTIONS}, "name": "q", "sort": "sort"}


class Command(BaseCommand):
    help = "Show a Steam user's inventory with the provider's prices (the admin inventory page as text)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--steam-id", required=True, help="SteamID64 of a Steam user in the back-office")
        parser.add_argument("--provider", help=f"{' or '.join(ProviderCode.values)} (default: skinsback)")
        parser.add_argument("--game", help=f"{', '.join(g for g, _ in GAMES)} (default: cs2)")
        parser.add_argument("--currency", help="currency of the local prices, e.g. rub")
        parser.add_argument("--multiplier", help="custom price multiplier, 0.5 to 2")
        parser.add_argument("--custom-currency", help="custom currency name, up to 4 letters (needs --rate)")
        parser.add_argument("--rate", help="rate of the custom currency, at least 0.1")
        parser.add_argument("--name", help="only items whose name contains this (case-insensitive)")
        parser.add_argument("--sort", choices=[s for s in SORTS if s], help="default: accepted first")
        parser.add_argument("--hide-disabled", action="store_true", help="leave out items not accepted")
        parser.add_argument("--refresh", action="store_true", help="ask the provider, not the 2-minute cache")
        parser.add_argument("--json", action="store_true", help="machine-readable; amounts as strings")

    def handle(self, *args: Any, **options: Any) -> None:
        form = self._form(options)  # first: a bad option is refused before the database or provider
        steam_user = self._steam_user(options["steam_id"])
        if not steam_user.has_valid_trade_url:
            raise CommandError(_text(problem("no_trade_url")))
        try:
            loaded = fetch_inventory(
                steam_user=steam_user, options=form.options(), refresh=options["refresh"]
            )
        except ProviderError as err:
            raise CommandError(_text(describe_error(err))) from None
        display = form.display()
        items = sort_items(
            filter_items(
                loaded.inventory.items, name=display["name"], hide_disabled=display["hide_disabled"]
            ),
            display["sort"],
        )
        summary = summarize(loaded.inventory.items)
        if options["json"]:
            self.stdout.write(json.dumps(as_json(steam_user, form, loaded, items, summary), indent=2))
        else:
            self._table(loaded, items, summary)
            options_asked = form.options()
            label = ProviderCode(options_asked.provider).label
            note = multiplier_note(loaded.inventory.items, options_asked.multiplier, label)
            if note:
                self.stdout.write(note)

    def _steam_user(self, steam_id: str) -> SteamUser:
        try:
            validate_steam_id(steam_id)
        except ValidationError as err:
            raise CommandError(f"--steam-id {steam_id}: {' '.join(err.messages)}") from None
        user = SteamUser.objects.filter(steam_id=steam_id).first()
        if user is None:
            raise CommandError(f"No Steam user with Steam id {steam_id}; add them in the admin first.")
        return user

    def _form(self, options: dict[str, Any]) -> InventoryForm:
        data = {field: options[opt] for opt, field in FORM_FIELDS.items() if options.get(opt) is not None}
        if options["hide_disabled"]:
            data["hide_disabled"] = "1"
        form = InventoryForm.from_query(data)
        if not form.is_valid():
            lines = [
                f"--{field.replace('_', '-') if field != 'q' else 'name'}: {message}"
                for field, messages in form.errors.items()
                for message in messages
            ]
            raise CommandError("Invalid options, nothing was asked of the provider:\n  " + "\n  ".join(lines))
        return form

    def _table(self, loaded: LoadedInventory, items: list[InventoryItem], summary: Summary) -> None:
        currency = loaded.inventory.currency_local.upper() or "local"
        header = f"{'name':<{NAME_WIDTH}} {'USD':>10} {currency:>10} {'multiplied':>12}  accepted"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for item in items:
            name = item.name if len(item.name) <= NAME_WIDTH else item.name[: NAME_WIDTH - 1] + "…"
            accepted = "no" if item.disabled else "yes"
            if not item.tradable:
                accepted += " (not tradable)"
            self.stdout.write(
                f"{name:<{NAME_WIDTH}} {amount(item.price):>10} {amount(item.price_local):>10} "
                f"{amount(item.multiplied_price_local):>12}  {accepted}"
            )
        if len(items) != summary.count:
            self.stdout.write(f"(showing {len(items)} of {summary.count})")
        self.stdout.write(summary_line(summary, currency, loaded))


def summary_line(summary: Summary, currency: str, loaded: LoadedInventory) -> str:
    cached = " (from the cache)" if loaded.from_cache else ""
    return (
        f"{summary.count} items, {summary.accepted_count} accepted ({summary.disabled_count} not accepted). "
        f"Accepted value: {usd(summary.total_usd)} · {money(summary.total_local, currency)} · "
        f"multiplied {money(summary.total_multiplied, currency)}{cached}"
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def as_json(
    steam_user: SteamUser,
    form: InventoryForm,
    loaded: LoadedInventory,
    items: list[InventoryItem],
    summary: Summary,
) -> dict[str, Any]:
    """Decimals as strings (never floats): a reader parses them exactly as the provider gave them."""
    options = form.options()
    return {
        "steam_id": steam_user.steam_id,
        "provider": options.provider,
        "game": options.game,
        "currency_local": loaded.inventory.currency_local,
        "fetched_at": loaded.fetched_at.isoformat(),
        "from_cache": loaded.from_cache,
        "summary": {
            "count": summary.count,
            "accepted_count": summary.accepted_count,
            "disabled_count": summary.disabled_count,
            "total_usd": _money(summary.total_usd),
            "total_local": _money(summary.total_local),
            "total_multiplied": _money(summary.total_multiplied),
        },
        "items": [_item_json(item) for item in items],
    }


def _item_json(item: InventoryItem) -> dict[str, Any]:
    return {
        "asset_id": item.asset_id,
        "name": item.name,
        "price": _money(item.price),
        "price_local": _money(item.price_local),
        "multiplied_price_local": _money(item.multiplied_price_local),
        "accepted": not item.disabled,
        "tradable": item.tradable,
        "image_url": item.image_url,
    }


def _text(found: Problem) -> str:
    detail = f" (provider: {found.detail})" if found.detail else ""
    return f"{found.title} {found.action}{detail}"
