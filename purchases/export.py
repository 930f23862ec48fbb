"""CSV export of purchases, streamed: a generator over `values_list(...).iterator()`, never a list.

Memory stays flat whatever the number of rows (the database cursor is read in chunks of CHUNK_SIZE and
each chunk of lines is sent as it is written). Money is written from the Decimal as stored, never through
a float. Text cells that a spreadsheet would run as a formula are prefixed with a quote.

After the purchase's fields, where its money went (purchases/spend.py), in two decimals with a currency
column: what was debited and its parts (delivered, on hold, on the way, failed with the refund not known,
refunded), which add up to the debit on every row, so a spreadsheet's column sums are the page's split.
The refunds are summed by a correlated subquery of the same one query.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from .fields import EXPORT_COLUMNS
from .models import Purchase
from .spend import CURRENCY, Part, SpendSplit, cents, refunded_sum

CHUNK_SIZE = 2000
LINES_PER_WRITE = 500
#: (CSV header, queryset path): taken from the one list of purchase fields
COLUMNS: list[tuple[str, str]] = EXPORT_COLUMNS
#: where the money went, after the fields: (CSV header, the split's part; "" for the whole debit)
SPEND_COLUMNS: list[tuple[str, str]] = [
    ("debited", ""),
    *((part.value if part != Part.FAILED else "failed_refund_not_known", part.value) for part in Part),
]
HEADERS: list[str] = [header for header, _ in COLUMNS] + ["currency"] + [h for h, _ in SPEND_COLUMNS]
#: where the split reads its inputs in a row of COLUMNS
_PATHS = [path for _, path in COLUMNS]
_STATE, _PRICE, _DEBITED = _PATHS.index("state"), _PATHS.index("price"), _PATHS.index("balance_debited")
#: a cell starting with one of these is run as a formula by spreadsheets ("-" only when not a number)
FORMULA_START = ("=", "+", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> str:
    """One CSV cell: Decimal exactly as stored, datetimes in ISO 8601 UTC, booleans as 1/0."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if _formula_like(text) else text


def _formula_like(text: str) -> bool:
    if text.startswith(FORMULA_START):
        return True
    return text.startswith("-") and not text[1:].replace(".", "", 1).isdigit()


def csv_lines(rows: Iterable[tuple]) -> Iterator[str]:
    """The header, then the rows, grouped LINES_PER_WRITE lines per string."""
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADERS)
    batch: list[str] = []
    for row in rows:
        *fields, refunded = row
        batch.append(writer.writerow([cell(value) for value in fields] + spend_cells(fields, refunded)))
        if len(batch) >= LINES_PER_WRITE:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def spend_cells(fields: list, refunded: Decimal | None) -> list[str]:
    """The currency, the debit and its parts of one row, in two decimals."""
    price, debited = fields[_PRICE], fields[_DEBITED]
    split = SpendSplit.of_row(fields[_STATE], debited if debited is not None else price, refunded)
    return [CURRENCY] + [cents(split.amount(part) if part else split.debited) for _, part in SPEND_COLUMNS]


def export_rows(queryset: QuerySet[Purchase]) -> Iterator[tuple]:
    """Only the exported columns and the refunds' sum, one join for steam_id, read through a chunked
    cursor."""
    rows = queryset.select_related(None).annotate(refunded_total=refunded_sum())
    rows = rows.values_list(*_PATHS, "refunded_total")
    return rows.iterator(chunk_size=CHUNK_SIZE)


def csv_response(queryset: QuerySet[Purchase], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(export_rows(queryset)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description="Export the selected purchases as CSV", permissions=["view"])
def export_csv(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Purchase]):
    """With "select all" it exports the whole filtered list, streamed, however long."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return csv_response(queryset, f"purchases-{stamp}.csv")
