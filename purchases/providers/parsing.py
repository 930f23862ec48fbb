"""Tolerant readers for the value shapes both providers print: numbers as strings or numbers,
ids as numbers or strings, booleans as true/1/"1", dates as unix (int or string) or datetime strings,
lists that are sometimes objects keyed by id. Every reader raises `InvalidResponse` on nonsense.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import ijson
import requests

from .base import InvalidResponse, ProviderError, PurchaseInfo

T = TypeVar("T")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def money(value: Any) -> Decimal | None:
    """Decimal(str(x)): exact for "8.28", 8.28 and Decimal("8.28") alike; never a float."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidResponse(f"not an amount: {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise InvalidResponse(f"not an amount: {str(value)[:40]!r}")
    return amount


def ident(value: Any) -> str | None:
    """Ids as strings: 129112705, "129112705" and 129112705.0 all give "129112705"."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, float | Decimal) and value == int(value):
        return str(int(value))
    return str(value).strip()


def flag(value: Any) -> bool:
    """true / 1 / "1" / "true" -> True; false / 0 / "0" / "" / None -> False."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime from unix seconds (int or digit string), ISO 8601 or "YYYY-MM-DD HH:MM:SS".

    A datetime string without a zone is taken as UTC: the vendors do not say which zone they print, and
    for a hold end UTC is the safe reading (see `status._held`). The zero date of MySQL
    ("0000-00-00 00:00:00") and unix 0 mean "no date".
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    text = str(value).strip()
    if text.strip("0-: T") == "":
        return None
    try:
        if isinstance(value, int | float | Decimal) or text.lstrip("-").replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), UTC)
        for fmt in _DATETIME_FORMATS:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise InvalidResponse(f"not a date: {text[:40]!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class Lenient:
    """Reads the fields of one entry so that a value it cannot read is noted and left out, never
    allowed to lose the entry's other fields (or the other entries of a batch)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def read(self, name: str, reader: Callable[[Any], T], value: Any) -> T | None:
        try:
            return reader(value)
        except InvalidResponse:
            self.problems.append(f"{name}={str(value)[:40]!r}")
            return None

    def mapping(self, name: str, value: Any) -> dict[str, Any]:
        if value is None or isinstance(value, dict):
            return value or {}
        self.problems.append(f"{name}={str(value)[:40]!r}")
        return {}


def unreadable_entry(value: Any, provider: str) -> PurchaseInfo:
    """A purchase entry that is not an object: kept (its text in `raw`) and named unreadable."""
    return PurchaseInfo(
        provider=provider, status="", raw={"entry": str(value)[:200]}, unreadable=("entry is not an object",)
    )


def text(value: Any) -> str | None:
    """A free-text field (error_reason): numbers and other scalars as their text; empty as None."""
    if value is None or value == "" or isinstance(value, bool | dict | list):
        return None
    return str(value).strip() or None


def count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise InvalidResponse(f"not a count: {str(value)[:40]!r}") from None


def lenient_entries(value: Any) -> Iterator[tuple[str | None, Any]]:
    """Like `entries`, but yields entries that are not objects too: the caller notes them as unreadable."""
    if isinstance(value, dict):
        yield from ((str(key), entry) for key, entry in value.items())
    elif isinstance(value, list):
        yield from ((None, entry) for entry in value)
    elif value not in (None, ""):
        raise InvalidResponse(f"expected a list or an object, got {type(value).__name__}")


def entries(value: Any) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """(key, entry) pairs of a list, or of an object keyed by id (the batch example prints objects)."""
    if value is None or value == [] or value == {}:
        return
    if isinstance(value, dict):
        for key, entry in value.items():
            yield str(key), _mapping(entry)
    elif isinstance(value, list):
        for entry in value:
            yield None, _mapping(entry)
    else:
        raise InvalidResponse(f"expected a list or an object, got {type(value).__name__}")


def mapping(value: Any, what: str = "object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidResponse(f"expected {what} to be an object, got {type(value).__name__}")
    return value


def _mapping(value: Any) -> dict[str, Any]:
    return mapping(value, "entry")


def json_body(response: requests.Response) -> dict[str, Any]:
    """The body as a dict (fractions as Decimal); HTML, cut-off or non-object bodies -> InvalidResponse."""
    text = response.content.decode(response.encoding or "utf-8", "replace")
    try:
        body = json.loads(text, parse_float=Decimal)
    except ValueError:
        head = " ".join(text[:80].split())
        kind = "an HTML page" if head.lower().startswith(("<!doctype", "<html")) else "not JSON"
        raise InvalidResponse(f"HTTP {response.status_code}: the answer is {kind}: {head!r}") from None
    if not isinstance(body, dict):
        raise InvalidResponse(
            f"HTTP {response.status_code}: expected a JSON object, got {type(body).__name__}"
        )
    return body


def stream_array(fp: Any, key: str) -> Generator[Any, None, dict[str, Any]]:
    """Yield the elements of the top-level array `key` one by one while the body is still arriving
    (ijson, numbers with a fraction as Decimal); returns the top-level scalars (status, error_code,
    ...) as the generator's return value so the caller can judge the envelope at the end.

    The elements are built by ijson's own builder (in C with the yajl2_c backend), not event by event in
    Python: the body's top-level object is built with a `map_type` that hands us that object as soon as it
    opens, and after each piece of the body read, the complete elements of `key` are taken out of it (the
    last one may still be arriving, so it waits for the next piece), and any other container at the top
    level is emptied: memory stays flat whatever the size of the list. Only objects and arrays are yielded
    (scalars in the list are skipped). A body that is valid JSON but not an object yields nothing and
    returns {}; one that is not JSON (cut off, garbled, an HTML page) raises InvalidResponse.
    """
    head = _first_bytes(fp)
    if not head.lstrip().startswith(b"{"):
        return (yield from _not_an_object(head, fp))
    envelope: dict[str, Any] = {}
    first = [True]

    def new_map() -> dict[str, Any]:  # the builder asks for every object; the first is the envelope
        if first:
            first.clear()
            return envelope
        return {}

    done = ijson.sendable_list()  # receives the whole (emptied) envelope at the very end; unused
    builder = ijson.items_coro(done, "", map_type=new_map, use_float=False)
    chunk = head
    try:
        while chunk:
            builder.send(chunk)
            ready = _take(envelope, key, final=False)
            if ready:
                yield from ready
            chunk = _read(fp)
        builder.close()
    except ijson.JSONError:
        raise InvalidResponse("the list is not valid JSON (cut off, garbled or an HTML page)") from None
    yield from _take(envelope, key, final=True)
    return {name: value for name, value in envelope.items() if not isinstance(value, dict | list)}


_READ_SIZE = 64 * 1024


def _read(fp: Any) -> bytes:
    chunk = fp.read(_READ_SIZE)
    return chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def _first_bytes(fp: Any) -> bytes:
    """The first piece of the body that holds something other than white space (or all of it)."""
    head = b""
    while not head.strip():
        chunk = _read(fp)
        if not chunk:
            break
        head += chunk
    return head


def _take(envelope: dict[str, Any], key: str, *, final: bool) -> list[Any]:
    """The complete elements of envelope[key] so far, removed from it; other containers emptied."""
    ready: list[Any] = []
    for name, value in envelope.items():
        if type(value) is list:
            if name == key:
                upto = len(value) if final else len(value) - 1  # the last one may be incomplete
                if upto > 0:
                    ready = [element for element in value[:upto] if type(element) in _CONTAINERS]
                    del value[:upto]
            else:
                value.clear()
        elif type(value) is dict:
            value.clear()
    return ready


_CONTAINERS = (dict, list)


def _not_an_object(head: bytes, fp: Any) -> Generator[Any, None, dict[str, Any]]:
    """Check the rest of a body whose top level is not an object (nothing in it to yield)."""
    events = ijson.sendable_list()
    checker = ijson.basic_parse_coro(events)
    chunk = head
    try:
        while chunk:
            checker.send(chunk)
            events.clear()
            chunk = _read(fp)
        checker.close()
    except ijson.JSONError:
        raise InvalidResponse("the list is not valid JSON (cut off, garbled or an HTML page)") from None
    return {}
    yield  # a generator, like stream_array


FAIL_STATUS = "fail"  # public SDKs treat {"status":"fail"} like "error"; neither vendor page shows it


def failed_status(err: ProviderError) -> ProviderError:
    """`err`, raised for a `status: fail` answer: named so, and never a positive refusal of a buy (the
    vendor pages do not document the word, so a buy answered that way may have happened: look it up)."""
    err.message = f'{err.message} (status "fail")'
    err.outcome_unknown = True
    err.args = (str(err),)
    return err
