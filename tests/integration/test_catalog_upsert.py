"""The catalog import's raw-SQL upsert (purchases/services/catalog.py), on SQLite and on PostgreSQL: the
report's counts, the rows as the ORM reads them back (raw exactly as Django stores a JSONField), the
unavailable marking, an error envelope or a cut-off list leaving the catalog alone, and the statements per
chunk."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from purchases.models import Item
from purchases.providers.base import InvalidResponse, ProviderError
from purchases.services import catalog
from purchases.services.apply import jsonable
from purchases.services.catalog import catalog_sync

pytestmark = pytest.mark.django_db

URL = "https://skinsback.test/api.php"


class PriceList:
    """The provider's price list, answered by `responses`; `body` is what the next import reads."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.body = b""
        self.requests = 0
        mock.add_callback(responses.POST, URL, callback=self._answer)

    def _answer(self, request: Any) -> tuple[int, dict, bytes]:
        self.requests += 1
        return 200, {"Content-Type": "application/json"}, self.body

    def lists(self, *items: dict, **envelope: Any) -> PriceList:
        payload = {"status": "success", "last_update": 1700000000, **envelope, "items": list(items)}
        text = json.dumps(payload, ensure_ascii=False, default=_number)
        self.body = re.sub(r'"#number#(.+?)"', r"\1", text).encode()  # a Decimal printed as a JSON number
        return self


def _number(value: Decimal) -> str:
    return f"#number#{value}"


@pytest.fixture
def price_list(settings) -> Iterator[PriceList]:
    settings.SKINSBACK_API_URL = URL
    settings.SKINSBACK_CLIENT_ID, settings.SKINSBACK_CLIENT_SECRET = "1490", "secret-7f3a"
    settings.SKINSBACK_AUTH = "headers"
    settings.PROVIDER_READ_RETRIES = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield PriceList(mock)


def listing(item_id: int, **fields: Any) -> dict[str, Any]:
    """One item as the full price list prints it (`id` a number, `price` a number; a Decimal is printed as
    a number with its digits)."""
    return {
        "id": item_id,
        "name": f"Skin {item_id}",
        "price": 1.25,
        "classid": f"{item_id}00",
        "instanceid": "0",
        **fields,
    }


def sync() -> catalog.CatalogReport:
    return catalog_sync(provider="skinsback", game="cs2")


def counts(report: catalog.CatalogReport) -> tuple[int, int, int, int]:
    return report.seen, report.created, report.updated, report.marked_unavailable


def stored_raw(item: Item) -> Any:
    """`raw` as the database holds it: the text on SQLite, jsonb compared as jsonb on PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT raw FROM {Item._meta.db_table} WHERE id = %s", [item.pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_first_import_creates_every_row_as_the_orm_would(price_list):
    listed = [
        listing(101, price=Decimal("1.10")),
        listing(102, name='Sticker | Crown (Foil) ★ 😀 "quoted" \\ back', price=3),
        listing(103, price="12345.6789", classid=7, extra={"nested": [1, 2.5, None, True]}),
    ]
    report = sync_of(price_list.lists(*listed))
    assert counts(report) == (3, 3, 0, 0)
    items = {i.provider_item_id: i for i in Item.objects.all()}
    assert set(items) == {"101", "102", "103"}
    first, second, third = items["101"], items["102"], items["103"]
    assert first.price == Decimal("1.10") and isinstance(first.price, Decimal)
    assert second.price == Decimal("3") and third.price == Decimal("12345.6789")
    assert second.name == listed[1]["name"]
    assert (third.classid, third.instanceid, third.game, third.available) == ("7", "0", "cs2", True)
    assert first.synced_at is not None and first.synced_at <= timezone.now()
    # raw: what the price list printed, fractions as their text (what `jsonable` made of ijson's Decimals)
    assert first.raw == {
        "id": 101,
        "name": "Skin 101",
        "price": "1.10",
        "classid": "10100",
        "instanceid": "0",
    }
    assert third.raw["extra"] == {"nested": [1, "2.5", None, True]} and third.raw["price"] == "12345.6789"
    # ... stored exactly as the ORM stores the same value
    twin = Item.objects.create(
        provider="skinify", provider_item_id="twin", name="x", game="cs2", raw=second.raw
    )
    if connection.vendor == "sqlite":
        assert stored_raw(second) == stored_raw(twin) == json.dumps(jsonable(second.raw))
    else:
        assert Item.objects.filter(pk=second.pk, raw=twin.raw).exists()
    assert Item.objects.filter(raw__price="1.10").get() == first  # JSON lookups read it
    assert Item.objects.filter(raw__extra__nested__0=1).get() == third


def sync_of(price_list: PriceList) -> catalog.CatalogReport:
    assert price_list.body
    return sync()


def test_reimport_counts_new_changed_and_unchanged_and_marks_the_unlisted(price_list):
    sync_of(price_list.lists(*(listing(i) for i in range(1, 6))))
    before = {i.provider_item_id: i for i in Item.objects.all()}
    report = sync_of(
        price_list.lists(
            listing(1),  # unchanged
            listing(2, price=1.5),  # price changed
            listing(3, name="Skin 3 renamed"),  # name changed
            listing(4, float=0.07),  # only raw changed
            listing(6),  # new
        )  # 5 no longer listed
    )
    assert counts(report) == (5, 1, 3, 1)
    after = {i.provider_item_id: i for i in Item.objects.all()}
    assert {key: item.available for key, item in after.items()} == {
        "1": True,
        "2": True,
        "3": True,
        "4": True,
        "5": False,
        "6": True,
    }
    assert after["2"].price == Decimal("1.5") and after["3"].name == "Skin 3 renamed"
    assert after["4"].raw["float"] == "0.07"
    assert after["1"].pk == before["1"].pk and after["1"].raw == before["1"].raw
    # every listed row is stamped by this import, the unlisted one keeps its old stamp
    stamps = {key: item.synced_at for key, item in after.items()}
    assert len({stamps[k] for k in "12346"}) == 1 and stamps["1"] > before["1"].synced_at
    assert stamps["5"] == before["5"].synced_at
    again = sync_of(price_list)  # the same list once more: nothing new, nothing changed, nothing more gone
    assert counts(again) == (5, 0, 0, 0)


def test_an_item_listed_again_is_available_again_without_counting_as_changed(price_list):
    sync_of(price_list.lists(listing(1), listing(2)))
    assert counts(sync_of(price_list.lists(listing(1)))) == (1, 0, 0, 1)
    assert not Item.objects.get(provider_item_id="2").available
    assert counts(sync_of(price_list.lists(listing(1), listing(2)))) == (2, 0, 0, 0)
    assert Item.objects.filter(available=True).count() == 2


def test_an_item_relisted_with_new_content_is_changed_and_available(price_list):
    sync_of(price_list.lists(listing(1), listing(2)))
    sync_of(price_list.lists(listing(1)))
    assert counts(sync_of(price_list.lists(listing(1), listing(2, price=9)))) == (2, 0, 1, 0)
    item = Item.objects.get(provider_item_id="2")
    assert item.available and item.price == Decimal("9")


def test_counts_hold_across_chunks(price_list, monkeypatch):
    monkeypatch.setattr(catalog, "CHUNK", 2)
    assert counts(sync_of(price_list.lists(*(listing(i) for i in range(1, 6))))) == (5, 5, 0, 0)
    listed = [listing(1), listing(7), listing(2, price=2), listing(8), listing(3), listing(9, price=4)]
    assert counts(sync_of(price_list.lists(*listed))) == (6, 3, 1, 2)
    assert Item.objects.count() == 8 and Item.objects.filter(available=False).count() == 2


def test_an_id_listed_twice_is_one_row_the_last_listing_wins(price_list):
    report = sync_of(price_list.lists(listing(1, price=1), listing(2), listing(1, price=2)))
    assert counts(report) == (2, 2, 0, 0)
    assert Item.objects.get(provider_item_id="1").price == Decimal("2")


def test_listings_without_an_id_are_left_out(price_list):
    report = sync_of(price_list.lists(listing(1), {"name": "no id", "price": 1}, listing(2, id="")))
    assert counts(report) == (1, 1, 0, 0)


def test_other_games_and_providers_are_not_marked_unavailable(price_list):
    Item.objects.create(provider="skinsback", provider_item_id="dota", name="d", game="dota2", price=1)
    Item.objects.create(provider="skinify", provider_item_id="1", name="s", game="cs2", price=1)
    report = sync_of(price_list.lists(listing(1)))
    assert counts(report) == (1, 1, 0, 0)
    assert Item.objects.filter(available=True).count() == 3
    # an id known under another provider is another row
    assert Item.objects.filter(provider_item_id="1").count() == 2


def test_an_error_envelope_leaves_the_catalog_alone(price_list):
    sync_of(price_list.lists(listing(1), listing(2)))
    stamps = dict(Item.objects.values_list("provider_item_id", "synced_at"))
    price_list.body = json.dumps(
        {"status": "error", "error_code": -6, "error_message": "market_disabled"}
    ).encode()
    with pytest.raises(ProviderError, match="market_disabled"):
        sync()
    assert Item.objects.filter(available=True).count() == 2  # nothing marked unavailable
    assert dict(Item.objects.values_list("provider_item_id", "synced_at")) == stamps


def test_an_error_status_after_the_items_writes_nothing_of_a_short_list(price_list):
    sync_of(price_list.lists(listing(1)))
    price_list.lists(listing(1, price=5), listing(2), status="error", error_code=-6, error_message="down")
    with pytest.raises(ProviderError):
        sync()
    assert list(Item.objects.values_list("provider_item_id", "price", "available")) == [
        ("1", Decimal("1.25"), True)
    ]


def test_a_cut_off_list_marks_nothing_unavailable(price_list):
    sync_of(price_list.lists(listing(1), listing(2)))
    price_list.body = b'{"status":"success","items":[' + json.dumps(listing(1)).encode() + b","
    with pytest.raises(InvalidResponse):
        sync()
    assert Item.objects.filter(available=True).count() == 2


def test_few_statements_per_chunk(price_list, monkeypatch):
    """Round trips: per chunk one statement on PostgreSQL, at most three on SQLite (the last id, the upsert,
    the stamp of the unchanged rows); then one UPDATE marks what is no longer listed."""
    monkeypatch.setattr(catalog, "CHUNK", 10)
    price_list.lists(*(listing(i) for i in range(1, 36)))  # 4 chunks
    per_chunk = 1 if connection.vendor == "postgresql" else 3
    for _ in ("first import", "re-import"):
        with CaptureQueriesContext(connection) as queries:
            sync()
        on_items = [q["sql"] for q in queries.captured_queries if Item._meta.db_table in q["sql"]]
        assert len(on_items) <= 4 * per_chunk + 1, on_items


def test_synced_at_is_the_start_of_the_import(price_list):
    started = timezone.now()
    sync_of(price_list.lists(listing(1)))
    stamp = Item.objects.get().synced_at
    assert started <= stamp <= started + timedelta(seconds=30)
