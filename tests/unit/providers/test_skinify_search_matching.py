"""Skinify's search filters the full price list like SkinsBack's market_search answers: exact, else contains."""

from __future__ import annotations

from purchases.providers.matching import name_matches, search_entries

from .conftest import SF_URL

SKINS = [
    {"id": "1", "name": "AK-47 | Redline (Field-Tested)", "price": "12.5", "properties": {"classid": "1"}},
    {"id": "2", "name": "AK-47 | Redline (Minimal Wear)", "price": "20", "properties": {"classid": "2"}},
    {"id": "3", "name": "AWP | Asiimov (Field-Tested)", "price": "90", "properties": {"classid": "3"}},
]


def _prices(mocked) -> None:
    mocked.get(SF_URL + "withdraw/prices", json={"status": "success", "skins": SKINS})


def test_a_part_of_the_name_finds_the_listings(mocked, skinify):
    _prices(mocked)
    assert [e.item_id for e in skinify().search(name="Redline", game="cs2")] == ["1", "2"]


def test_words_in_any_order_and_case(mocked, skinify):
    _prices(mocked)
    assert [e.item_id for e in skinify().search(name="  redline ak ", game="cs2")] == ["1", "2"]


def test_the_exact_name_wins_over_the_partial_ones(mocked, skinify):
    _prices(mocked)
    found = skinify().search(name="ak-47 | redline (field-tested)", game="cs2")
    assert [e.item_id for e in found] == ["1"]


def test_nothing_matches(mocked, skinify):
    _prices(mocked)
    assert skinify().search(name="Howl", game="cs2") == []


def test_name_matches_rules():
    assert name_matches("Redline", "AK-47 | Redline (Field-Tested)")
    assert name_matches("field ak", "AK-47 | Redline (Field-Tested)")
    assert not name_matches("Asiimov", "AK-47 | Redline (Field-Tested)")
    assert not name_matches("   ", "AK-47 | Redline (Field-Tested)")


def test_partial_matches_are_bounded():
    class Entry:
        def __init__(self, name: str) -> None:
            self.name = name

    entries = (Entry(f"Sticker {i}") for i in range(10_000))
    assert len(search_entries(entries, "sticker", limit=5)) == 5
