"""Matching a typed name against a price list, the way SkinsBack's market_search answers.

SkinsBack searches on its side: the exact market name if it has it, else the names that contain what was
typed. Skinify publishes no search (docs/api/skinify.md §3.9), so its client filters the full price list
with these rules, and "Redline" finds "AK-47 | Redline (Field-Tested)" on both providers. Beyond
SkinsBack, every typed word must appear (in any order): "redline ak" finds it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol, TypeVar

WORD = re.compile(r"[^\W_]+")  # letters and digits: "AK-47 | Redline" → ak, 47, redline
DEFAULT_LIMIT = 200


class Named(Protocol):
    name: str


N = TypeVar("N", bound=Named)


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def name_matches(wanted: str, name: str) -> bool:
    """`wanted` is a part of `name`, or each of its words is a part of `name` (case-insensitive)."""
    needle, haystack = wanted.strip().casefold(), name.casefold()
    if not needle:
        return False
    return needle in haystack or all(word in haystack for word in words(needle))


def search_entries(entries: Iterable[N], wanted: str, limit: int = DEFAULT_LIMIT) -> list[N]:
    """Entries with exactly this name (case-insensitive) if any, else those matching, the first `limit`.
    Reads everything once (the exact name may come last) and keeps at most `limit` partial matches."""
    exact_name = wanted.strip().casefold()
    exact: list[N] = []
    partial: list[N] = []
    for entry in entries:
        if entry.name.casefold() == exact_name:
            exact.append(entry)
        elif len(partial) < limit and name_matches(wanted, entry.name):
            partial.append(entry)
    return (exact or partial)[:limit]
