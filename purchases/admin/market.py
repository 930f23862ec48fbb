"""Reads the buy pages make of the provider: the market search and the balance (the re-read of prices
before a confirmation is services.recheck.items_recheck). Never raise: a provider that does not answer
becomes a message on the page, and the balance is cached briefly (with the time it was read, which the
page shows)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core import signing

from ..ages import ago, clock
from ..forms import SEARCH_SALT
from ..models import Item
from ..money import own_figure, unnamed_currency_note
from ..policy.funds import read_balance
from ..providers import get_provider, provider_class
from ..providers.base import Balance, CatalogEntry, NotSupported
from .common import provider_label
from .market_rows import shown_rows, sort_rows, ticked_summary

log = logging.getLogger(__name__)

#: the rows one search shows and signs, taken after sorting (so "price, lowest first" shows the cheapest)
SEARCH_LIMIT = 500


# -------------------------------------------------------------------------------------- search


def market_search(*, provider: str, game: str, name: str, sort: str = "", ticked=()) -> dict:
    """The provider's search (a read); the local catalog when the provider has none, sorted by `sort`
    (forms.SORTS) and then capped; `found` counts the rows before the cap. Never raises."""
    label = provider_label(provider)
    try:
        entries, source = get_provider(provider, interactive=True).search(name=name, game=game), label
    except NotSupported:
        entries, source = _catalog_search(provider, game, name), "our catalog"
    except Exception as error:  # a read for a page: any failure is a message
        log.warning("market search on %s failed: %s", provider, error)
        return {
            "search_error": f"{label} did not answer the search ({error}). Nothing was bought; try again."
        }
    rows = sort_rows(search_rows(entries, game), sort)
    found = len(rows)
    rows = rows[:SEARCH_LIMIT]
    return {**search_results(provider, rows, ticked), "source": source, "found": found}


def search_results(provider: str, rows: list[dict], ticked=()) -> dict:
    """What the page shows of signed rows: the rows with their wear, which are in our catalog, which are
    ticked (and their count and total), and the rows signed again for the pick form."""
    known = set(
        Item.objects.filter(provider=provider, provider_item_id__in=[r["id"] for r in rows]).values_list(
            "provider_item_id", flat=True
        )
    )
    return {
        "results": shown_rows(rows),
        "signed": sign_results(provider, rows) if rows else "",
        "known": known,
        **ticked_summary(rows, ticked),
    }


def search_rows(entries: list[CatalogEntry], game: str) -> list[dict[str, str]]:
    """Search results as plain strings (they travel signed in the page); entries without an id cannot be
    bought from the catalog and are left out."""
    return [
        {
            "id": e.item_id,
            "name": e.name[:255],
            "game": provider_class(e.provider).our_game(e.game) or game,  # Item.game uses our names
            "price": str(e.price),
            "classid": e.classid,
            "instanceid": e.instanceid,
            "count": "" if e.count is None else str(e.count),
        }
        for e in entries
        if e.item_id
    ]


def sign_results(provider: str, entries: list[dict[str, str]]) -> str:
    return signing.dumps({"p": provider, "e": entries}, salt=SEARCH_SALT, compress=True)


def _catalog_search(provider: str, game: str, name: str) -> list:
    items = Item.objects.filter(provider=provider, game=game, name__icontains=name, available=True)
    return [
        CatalogEntry(provider, i.name, i.price, i.provider_item_id, i.game, i.classid, i.instanceid)
        for i in items.exclude(price=None)[:100]
    ]


# -------------------------------------------------------------------------------------- balance


@dataclass(frozen=True)
class BalanceView:
    """What a buy page shows of the balance. `amount` is USD (what compares with prices), None when not
    known; `own` is the provider's own figure when it is in another currency ("1,000.00 RUB")."""

    amount: Decimal | None
    note: str = ""
    read_at: datetime | None = None
    own: str = ""

    @property
    def read_text(self) -> str:
        """`read at 14:05 UTC, 12 s ago`: a cached balance says how old it is."""
        if self.read_at is None:
            return ""
        return f"read at {clock(self.read_at)}, {ago(self.read_at)}"


def balance_view(balance: Balance, read_at: datetime | None = None) -> BalanceView:
    """USD for comparing; the project's own figure beside it when it differs; words when USD is unknown."""
    if balance.usd is None:
        return BalanceView(None, unnamed_currency_note(balance), read_at)
    return BalanceView(balance.usd, read_at=read_at, own=own_figure(balance))


def provider_balance(code: str, *, fetch: bool = True) -> BalanceView:
    """The provider's balance as a page shows it (policy.funds reads and caches it). Never raises."""
    read = read_balance(code, fetch=fetch)
    if read.balance is None:
        return BalanceView(None, read.note, read.read_at)
    return balance_view(read.balance, read.read_at)
