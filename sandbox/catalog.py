"""Per-provider, per-game catalogs of listings, generated lazily from a few hundred real names.

Listing `i` of a game (0-based) has id `ID_BASE[(provider, game)] + i + 1` and the name `names[i % N]`.
The first N listings cost the name's base price (at Skinify 92-108 % of it, fixed per name: one skin, two
prices); later ones up to 20 % more. Listings whose id ends in 0
are unavailable: the full price lists and the search leave them out, as they do listings sold when items
are consumed on buy, and buying one gives skin_unavailable. What is listed is what can be bought.
Nothing is stored per listing, so a 100,000-item price list costs no memory.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .config import GAME_ALIASES, GAMES, SKINIFY, SKINSBACK
from .money import from_cents

DATA_DIR = Path(__file__).resolve().parent / "data"
WEARS = (
    ("Factory New", 220),
    ("Minimal Wear", 135),
    ("Field-Tested", 100),
    ("Well-Worn", 92),
    ("Battle-Scarred", 85),
)
ID_BASE = {
    (SKINSBACK, "cs2"): 10_000_000,
    (SKINSBACK, "dota2"): 20_000_000,
    (SKINSBACK, "rust"): 30_000_000,
    (SKINIFY, "csgo"): 50_000_000,
    (SKINIFY, "dota2"): 60_000_000,
    (SKINIFY, "rust"): 70_000_000,
    (SKINIFY, "tf2"): 80_000_000,
}
BASE_GAME = {base // 10_000_000: key for key, base in ID_BASE.items()}
DEFAULT_SIZE = 400
MAX_SIZE = 9_999_998


@dataclass(frozen=True, slots=True)
class NameEntry:
    name: str
    cents: int
    classid: str
    instanceid: str
    json_name: str


@dataclass(frozen=True, slots=True)
class Listing:
    id: int
    game: str
    entry: NameEntry
    cents: int
    available: bool

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def price(self) -> Decimal:
        return from_cents(self.cents)


@functools.cache
def names(kind: str) -> tuple[NameEntry, ...]:
    """The name list of `cs2`, `dota2`, `rust` or `tf2`, explicit lines overriding wear expansions."""
    rows: dict[str, int] = {}
    explicit: dict[str, int] = {}
    for line in (DATA_DIR / f"names_{kind}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, price, *flags = line.split("\t")
        cents = round(Decimal(price) * 100)
        if flags and flags[0] == "W":
            rows.update({f"{name} ({wear})": max(3, cents * pct // 100) for wear, pct in WEARS})
        else:
            explicit[name] = cents
    rows.update(explicit)
    return tuple(_entry(kind, name, cents) for name, cents in rows.items())


def _entry(kind: str, name: str, cents: int) -> NameEntry:
    crc = zlib.crc32(f"{kind}:{name}".encode())
    instanceid = "0" if crc % 3 else str(100_000_000 + crc % 400_000_000)
    return NameEntry(name, cents, str(300_000_000 + crc % 3_900_000_000), instanceid, json.dumps(name))


@functools.cache
def name_index(kind: str) -> dict[str, int]:
    return {entry.name.casefold(): index for index, entry in enumerate(names(kind))}


def canonical_game(provider: str, game: object) -> str | None:
    """The provider's own game id for what the client sent, or None if unknown."""
    text = str(game or "").strip().lower()
    text = GAME_ALIASES[provider].get(text, text)
    return text if text in GAMES[provider] else None


class Catalog:
    """Sizes per (provider, game) and, when items are consumed on buy, the sold listing ids."""

    def __init__(self) -> None:
        self.sizes: dict[tuple[str, str], int] = {}
        self.sold: set[int] = set()

    def size(self, provider: str, game: str) -> int:
        return self.sizes.get((provider, game), DEFAULT_SIZE)

    def set_size(self, game: str, size: int, provider: str | None = None) -> list[tuple[str, str]]:
        if not 0 <= size <= MAX_SIZE:
            raise ValueError(f"size must be between 0 and {MAX_SIZE}")
        changed = []
        for prov in [provider] if provider else [SKINSBACK, SKINIFY]:
            canonical = canonical_game(prov, game)
            if canonical:
                self.sizes[(prov, canonical)] = size
                changed.append((prov, canonical))
        if not changed:
            raise ValueError(f"unknown game {game!r}")
        return changed

    def listing(self, provider: str, game: str, index: int) -> Listing:
        entries = names(GAMES[provider][game])
        entry = entries[index % len(entries)]
        shared = provider == SKINIFY and GAMES[provider][game] in SHARED_KINDS
        base = skinify_cents(entry) if shared else entry.cents
        cents = base if index < len(entries) else base * (100 + _mix(index) % 21) // 100
        listing_id = ID_BASE[(provider, game)] + index + 1
        available = listing_id % 10 != 0 and listing_id not in self.sold
        return Listing(listing_id, game, entry, max(cents, 1), available)

    def by_id(self, provider: str, item_id: object) -> Listing | None:
        text = str(item_id or "").strip()
        if not text.isdigit():
            return None
        listing_id = int(text)
        key = BASE_GAME.get(listing_id // 10_000_000)
        if key is None or key[0] != provider:
            return None
        index = listing_id - ID_BASE[key] - 1
        return self.listing(provider, key[1], index) if 0 <= index < self.size(*key) else None

    def iter_listings(self, provider: str, game: str) -> Iterator[Listing]:
        for index in range(self.size(provider, game)):
            yield self.listing(provider, game, index)

    def iter_on_sale(self, provider: str, game: str) -> Iterator[Listing]:
        """The listings a full price list shows: the available ones (what a buy would not refuse)."""
        return (listing for listing in self.iter_listings(provider, game) if listing.available)

    def by_name(self, provider: str, game: str, name: str) -> Iterator[Listing]:
        kind = GAMES[provider][game]
        first = name_index(kind).get(name.strip().casefold())
        if first is None:
            return
        for index in range(first, self.size(provider, game), len(names(kind))):
            yield self.listing(provider, game, index)

    def grouped(self, provider: str, game: str) -> Iterator[tuple[NameEntry, int]]:
        """(name entry, available count) for every name that has at least one listing."""
        entries = names(GAMES[provider][game])
        counts = [0] * len(entries)
        for index in range(self.size(provider, game)):
            counts[index % len(entries)] += self.listing(provider, game, index).available
        present = min(len(entries), self.size(provider, game))
        return ((entries[i], counts[i]) for i in range(present))

    def search(self, provider: str, game: str, name: str, limit: int = 100) -> list[Listing]:
        """Available listings with exactly this name, else those whose name contains it."""
        exact = [listing for listing in self.by_name(provider, game, name) if listing.available]
        if exact:
            return exact[:limit]
        needle = name.strip().casefold()
        found: list[Listing] = []
        for entry in names(GAMES[provider][game]):
            if needle in entry.name.casefold():
                found.extend(x for x in self.by_name(provider, game, entry.name) if x.available)
            if len(found) >= limit:
                break
        return found[:limit]

    def cheapest(
        self, provider: str, game: str, name: str, max_price: Decimal | None
    ) -> tuple[bool, Listing | None]:
        """(any available listing exists, cheapest available one within max_price)."""
        available = [x for x in self.by_name(provider, game, name) if x.available]
        within = [x for x in available if max_price is None or x.price <= max_price]
        return bool(available), min(within, key=lambda x: (x.cents, x.id), default=None)


#: the name lists both providers sell (Skinify's tf2 is its own)
SHARED_KINDS = frozenset(GAMES[SKINSBACK].values())


def skinify_cents(entry: NameEntry) -> int:
    """Skinify sells the same names as SkinsBack at 92-108 % of SkinsBack's price, fixed per name: the same
    skin at two prices, as at the real marketplaces (what choosing the best price is for)."""
    return max(1, entry.cents * (92 + zlib.crc32(entry.name.encode()) % 17) // 100)


def _mix(index: int) -> int:
    return (index * 2654435761 % 2**32) >> 8
