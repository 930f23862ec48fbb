"""CSV export: streamed with flat memory over 100,000 rows, exact money, one query, the admin action."""

from __future__ import annotations

import csv
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from purchases.export import CHUNK_SIZE, HEADERS, csv_response
from purchases.models import Purchase
from tests.factories import make_purchase, make_user

pytestmark = pytest.mark.django_db
LIST_URL = "/admin/purchases/purchase/"


def run_action(client, pks, *, url=LIST_URL, select_across=False):
    data = {"action": "export_csv", "_selected_action": [str(pk) for pk in pks], "index": "0"}
    if select_across:
        data["select_across"] = "1"
    return client.post(url, data)


def read_csv(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_support_has_the_action(support_c):
    make_purchase()
    form = support_c.get(LIST_URL).context["action_form"]
    assert "export_csv" in dict(form.fields["action"].choices)


def test_selected_rows_with_exact_money_and_steam_id(support_c):
    user = make_user()
    exact = make_purchase(
        steam_user=user,
        custom_id="bo-exp-1",
        price=Decimal("0.1") + Decimal("0.2"),
        max_price=Decimal("12345678.9012"),
        balance_debited=Decimal("0.0001"),
        buy_id="129112705",
    )
    make_purchase(custom_id="bo-exp-2")
    response = run_action(support_c, [exact.pk])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="purchases-')
    [row] = read_csv(response)
    assert list(row) == HEADERS
    assert (
        row["custom_id"] == "bo-exp-1" and row["steam_id"] == user.steam_id and row["buy_id"] == "129112705"
    )
    assert row["price"] == "0.3000"
    assert row["max_price"] == "12345678.9012"
    assert row["balance_debited"] == "0.0001"
    assert Decimal(row["price"]) + Decimal(row["balance_debited"]) == Decimal("0.3001")
    assert row["in_hold"] == "0" and row["hold_until"] == ""


def test_select_across_exports_the_whole_filtered_list(support_c):
    delivered = [make_purchase(state="delivered") for _ in range(3)]
    make_purchase(state="failed")
    response = run_action(
        support_c, [delivered[0].pk], url=f"{LIST_URL}?state__exact=delivered", select_across=True
    )
    rows = read_csv(response)
    assert sorted(r["custom_id"] for r in rows) == sorted(p.custom_id for p in delivered)


def test_formula_like_text_is_defused(support_c):
    purchase = make_purchase(item_name='=HYPERLINK("http://x")', error_code="-7")
    [row] = read_csv(run_action(support_c, [purchase.pk]))
    assert row["item_name"].startswith("'=")
    assert row["error_code"] == "-7"  # a number stays a number


def _add_rows(user, start: int, stop: int) -> None:
    Purchase.objects.bulk_create(
        Purchase(
            steam_user=user,
            provider="skinsback",
            custom_id=f"bulk-{n}",
            item_name=f"Item {n}",
            max_price=Decimal("0.3"),
            price=Decimal("0.1") + Decimal("0.2"),
            balance_debited=Decimal("1234.5678"),
        )
        for n in range(start, stop)
    )


def _stream_all() -> tuple[int, int, bytes, int, list]:
    """Lines, bytes, the first data chunk and the tracemalloc peak of one full export, and its queries."""
    response = csv_response(Purchase.objects.order_by("-created_at", "-id"), "all.csv")
    lines = size = 0
    sample = b""
    tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as ctx:
            for chunk in response.streaming_content:
                lines += chunk.count(b"\n")
                size += len(chunk)
                sample = sample or (chunk if lines > 1 else b"")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lines, size, sample, peak, ctx.captured_queries


def test_export_memory_does_not_grow_with_the_rows_and_it_is_one_query():
    """N rows, then 4N rows: the peak stays flat (holding the rows or the CSV would make it ~4x)."""
    user = make_user()
    small = CHUNK_SIZE + CHUNK_SIZE // 2  # 1.5 cursor chunks, then 6
    _add_rows(user, 0, small)
    _, _, _, small_peak, _ = _stream_all()
    _add_rows(user, small, 4 * small)
    lines, size, sample, peak, queries = _stream_all()
    assert lines == 4 * small + 1
    assert b",0.3000,0.3000,1234.5678," in sample  # money exact, written from the Decimal
    print(
        f"{small} rows: peak {small_peak / 1e6:.2f} MB; {4 * small} rows ({size / 1e6:.1f} MB): {peak / 1e6:.2f} MB"
    )
    assert size > 4 * small * 100  # every row went through...
    assert peak < 1.5 * small_peak + 512 * 1024, (
        f"peak {small_peak / 1e6:.2f} -> {peak / 1e6:.2f} MB"
    )  # ...flat
    assert len(queries) == 1
    assert "JOIN" in queries[0]["sql"].upper()


def test_without_view_permission_there_is_no_list_to_export(nobody_c):
    purchase = make_purchase()
    assert run_action(nobody_c, [purchase.pk]).status_code == 403
