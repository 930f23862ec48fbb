"""How the "Buy skins" page shows a market search: the order of the rows, their wear, the count and total
of the ticked ones (the sticky bar's first figures; static/backoffice/pick_all.js keeps them in step), and
the table heads' links that search again in another order.

The rows are the signed search results of market.py: plain strings, the price a decimal as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.http import QueryDict

from ..forms import SORTS
from ..money import CENT, usd

#: a CS item's exterior, best first: what "sort by wear" orders by
WEARS = ("Factory New", "Minimal Wear", "Field-Tested", "Well-Worn", "Battle-Scarred")
_LAST_PARENTHESES = re.compile(r"\(([^()]+)\)\s*$")
MAX_TICKED = 500  # ids read from the `picked` parameter of a re-sorted search (forms.MAX_LINES)


def wear_of(name: str) -> str:
    """The wear in a market hash name's closing parentheses ("AK-47 | Redline (Field-Tested)"); '' for
    an item without one (a sticker, a case, "Doppler (Phase 2)")."""
    match = _LAST_PARENTHESES.search(name)
    return match.group(1) if match and match.group(1) in WEARS else ""


def _wear_rank(name: str) -> int:
    wear = wear_of(name)
    return WEARS.index(wear) if wear else len(WEARS)  # no wear after Battle-Scarred


def _price(row: dict) -> Decimal:
    return Decimal(row["price"])


def _name(row: dict) -> str:
    return row["name"].casefold()


#: the orders of forms.SORTS ('' keeps the provider's); ties are broken by name, then price
SORT_KEYS: dict[str, Callable[[dict], tuple]] = {
    "price": lambda row: (_price(row), _name(row)),
    "-price": lambda row: (-_price(row), _name(row)),
    "wear": lambda row: (_wear_rank(row["name"]), _name(row), _price(row)),
    "name": lambda row: (_name(row), _price(row)),
}


def sort_rows(rows: list[dict], sort: str) -> list[dict]:
    key = SORT_KEYS.get(sort)
    return sorted(rows, key=key) if key else list(rows)


def shown_rows(rows: list[dict]) -> list[dict]:
    """The rows as the table shows them: with their wear (a column of its own, and a sort)."""
    return [{**row, "wear": wear_of(row["name"])} for row in rows]


def ticked_summary(rows: list[dict], ticked: Iterable[str]) -> dict:
    """How many shown rows are ticked and the total of their prices, as the sticky bar first shows it."""
    wanted = set(ticked)
    prices = [_price(row) for row in rows if row["id"] in wanted]
    return {
        "ticked": wanted,
        "ticked_count": len(prices),
        "ticked_total": total_text(sum(prices, Decimal(0))),
    }


def total_text(total: Decimal) -> str:
    """Two decimals, as the script shows it: `about` when a price finer than a cent was rounded."""
    cents = total.quantize(CENT, ROUND_HALF_UP)
    return ("" if cents == total else "about ") + usd(cents)


def picked_ids(query: QueryDict) -> list[str]:
    """The ids a re-sorted search keeps ticked (the script adds them to a table head's link)."""
    return [i for i in query.get("picked", "").split(",") if i][:MAX_TICKED]


def sort_context(query: QueryDict, current: str) -> dict:
    """The order shown, and the table heads' links: the same search in another order (Price toggles
    lowest and highest first)."""
    orders = {"name": "name", "wear": "wear", "price": "-price" if current == "price" else "price"}
    links = {}
    for column, sort in orders.items():
        again = query.copy()
        again["sort"] = sort
        again.pop("picked", None)
        links[column] = "?" + again.urlencode()
    return {
        "sort": current,
        "sort_label": dict(SORTS).get(current, "") if current else "",
        "sort_links": links,
    }
