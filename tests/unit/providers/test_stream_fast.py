"""`stream_array` builds the list's elements with ijson's own (C) builder and still returns the envelope's
top-level scalars; `catalog_entry` reads the common shapes directly. Both must give exactly what the
event-by-event reader and the tolerant readers gave."""

from __future__ import annotations

import io
import json
import tracemalloc
from decimal import Decimal
from typing import Any

import ijson
import pytest

from purchases.providers.base import CatalogEntry, InvalidResponse
from purchases.providers.parsing import count, ident, money, stream_array
from purchases.providers.skinsback.parse import CODE, catalog_entry


def reference(fp: Any, key: str):
    """The event-by-event reader stream_array replaced: the oracle for what it yields and returns."""
    prefix = f"{key}.item"
    meta: dict[str, Any] = {}
    builder: Any = None
    depth = 0
    for path, event, value in ijson.parse(fp, use_float=False):
        if builder is None and path == prefix and event in ("start_map", "start_array"):
            builder, depth = ijson.ObjectBuilder(), 0
        if builder is not None:
            builder.event(event, value)
            depth += {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}.get(event, 0)
            if depth == 0:
                yield builder.value
                builder = None
        elif "." not in path and path and event in ("string", "number", "boolean", "null"):
            meta[path] = value
    return meta


def drain(generator) -> tuple[list, dict]:
    items = []
    while True:
        try:
            items.append(next(generator))
        except StopIteration as stop:
            return items, stop.value


class Trickle(io.RawIOBase):
    """A body that arrives `size` bytes at a time, whatever was asked for; counts what was read."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.offset = data, size, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.data[self.offset : self.offset + self.size]
        self.offset += len(chunk)
        return chunk


BODIES = {
    "envelope around the list": {
        "status": "success",
        "last_update": 1700000000,
        "items": [{"id": 1, "name": "A", "price": 1.5}, {"id": "2", "name": "B", "price": "2.50"}],
        "total": 2,
    },
    "nested values and odd elements": {
        "items": [
            {"id": 1, "tags": ["a", {"b": [1, 2.25, None, True]}], "price": 0.1},
            [1, 2],
            3,
            "text",
            None,
            {},
            {"name": "Sticker | Crown (Foil) ★ ☃ 😀", "price": 123456789.123456789},
        ],
        "status": "success",
    },
    "error envelope": {"status": "error", "error_code": -6, "error_message": "market_disabled"},
    "other containers at the top": {
        "meta": {"a": [1, 2]},
        "items": [{"id": 1}],
        "more": [[1], {"x": 1}],
        "n": 5,
    },
    "list is an object": {"items": {"1": {"id": 1}}, "status": "success"},
    "list is null": {"items": None, "status": "success"},
    "empty list": {"status": "success", "items": []},
    "big integers": {"items": [{"id": 12345678901234567890, "price": 1e400}]},
}


@pytest.mark.parametrize("name", list(BODIES))
@pytest.mark.parametrize("piece", [1, 7, 100, 65536])
def test_same_elements_and_envelope_as_the_event_reader(name, piece):
    body = json.dumps(BODIES[name], ensure_ascii=name != "nested values and odd elements").encode()
    if name == "big integers":
        body = body.replace(b"Infinity", b"1e400")
    fast = drain(stream_array(Trickle(body, piece), "items"))
    assert fast == drain(reference(io.BytesIO(body), "items"))
    assert all(isinstance(element, dict | list) for element in fast[0])  # scalars in the list are skipped


def test_numbers_keep_their_decimal_digits():
    body = b'{"items":[{"price":1.10,"n":3,"f":2.50e1}],"status":"success"}'
    (item,), meta = drain(stream_array(io.BytesIO(body), "items"))
    assert item == {"price": Decimal("1.10"), "n": 3, "f": Decimal("2.50e1")}
    assert str(item["price"]) == "1.10" and type(item["n"]) is int
    assert meta == {"status": "success"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"status":"success","items":[{"id":"1","name":"A","price":"1"},',  # cut off
        b"<html><body>maintenance</body></html>",
        b"",
        b"   \n",
        b'{"items":[1,2]} trailing',
        b'{"a":1}{"b":2}',
    ],
)
def test_not_json_raises_invalid_response(body):
    with pytest.raises(InvalidResponse, match="not valid JSON"):
        drain(stream_array(io.BytesIO(body), "items"))


@pytest.mark.parametrize("body", [b"[1, 2, {}]", b'"text"', b"  42  ", b"null"])
def test_json_that_is_not_an_object_yields_nothing(body):
    assert drain(stream_array(io.BytesIO(body), "items")) == ([], {})


def test_text_pieces_are_read_too():
    assert drain(stream_array(io.StringIO('{"items":[{"a":"é"}],"s":1}'), "items")) == (
        [{"a": "é"}],
        {"s": 1},
    )


def test_elements_come_while_the_body_is_still_arriving():
    items = ",".join(json.dumps({"id": i, "name": f"Skin {i}", "price": "1.00"}) for i in range(20_000))
    body = ('{"status":"success","items":[' + items + "]}").encode()
    source = Trickle(body, 64 * 1024)
    generator = stream_array(source, "items")
    first = next(generator)
    assert first == {"id": 0, "name": "Skin 0", "price": "1.00"}
    assert source.offset <= 2 * 64 * 1024 < len(body) // 5  # one or two pieces read, not the whole body
    seen = 1 + sum(1 for _ in generator)
    assert seen == 20_000


def _peak(items: int) -> int:
    row = json.dumps({"id": 0, "name": "AK-47 | Redline (Field-Tested)", "price": 12.34, "classid": "1"})
    body = ('{"status":"success","items":[' + ",".join([row] * items) + "]}").encode()
    tracemalloc.start()
    try:
        source = io.BytesIO(body)
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        for _ in stream_array(source, "items"):
            pass
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_whatever_the_length_of_the_list():
    small, large = _peak(2_000), _peak(20_000)
    assert large < 2 * small + 256 * 1024, (small, large)  # 10x the items, not 10x the memory


# --- catalog_entry: the direct readings equal the tolerant readers' -----------------------------------------


def tolerant(entry: dict[str, Any], game: str) -> CatalogEntry:
    """catalog_entry as it was: every field through the tolerant readers."""
    price = money(entry.get("price"))
    if price is None:
        raise InvalidResponse("a price-list item has no price", provider=CODE)
    return CatalogEntry(
        provider=CODE,
        name=str(entry.get("name") or ""),
        price=price,
        item_id=ident(entry.get("id")),
        game=game,
        classid=ident(entry.get("classid")) or "",
        instanceid=ident(entry.get("instanceid")) or "",
        count=count(entry.get("count")),
        raw=entry,
    )


ENTRIES = [
    {"id": 123, "name": "A", "price": Decimal("1.10"), "classid": "7", "instanceid": "0"},
    {"id": "  124 ", "name": "B", "price": 3, "classid": 7, "instanceid": 0},
    {"id": 125.0, "name": None, "price": "2.5 ", "classid": "", "instanceid": None, "count": "4"},
    {"id": Decimal("126"), "price": 8.28, "count": 2},
    {"id": "", "name": 5, "price": Decimal("0.0001"), "classid": " 9 "},
    {"id": True, "price": "1e2"},
    {"name": "no id", "price": Decimal("-1.5")},
]


@pytest.mark.parametrize("entry", ENTRIES)
def test_catalog_entry_reads_like_the_tolerant_readers(entry):
    fast, slow = catalog_entry(entry, "cs2"), tolerant(entry, "cs2")
    assert fast == slow
    assert (fast.item_id, fast.classid, fast.instanceid, fast.count) == (
        slow.item_id,
        slow.classid,
        slow.instanceid,
        slow.count,
    )
    assert str(fast.price) == str(slow.price) and type(fast.price) is Decimal
    assert fast.raw is entry


@pytest.mark.parametrize("price", [None, "", Decimal("NaN"), Decimal("Infinity"), "abc", True])
def test_catalog_entry_without_a_readable_price(price):
    with pytest.raises(InvalidResponse):
        catalog_entry({"id": 1, "price": price}, "cs2")
