""" "Export all matching (CSV)" on the purchase list (issue 21 point 5): every purchase matching the list's
filters and search, all pages, streamed with the export's own columns, in memory that does not grow."""

from __future__ import annotations

import csv
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.export import CHUNK_SIZE, HEADERS
from purchases.models import Purchase
from tests.factories import make_purchase, make_purchases, make_user

pytestmark = pytest.mark.django_db
URL = reverse("admin:purchases_export_all")
LIST_URL = reverse("admin:purchases_purchase_changelist")


def exported(client, params=None) -> list[dict]:
    response = client.get(URL, params or {})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="purchases-all-')
    text = b"".join(response.streaming_content).decode()
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == HEADERS  # the action's columns, from export.py
    return list(reader)


def test_every_row_not_only_a_page(support_c):
    make_purchases(130, state="delivered")  # the list shows 50 a page
    rows = exported(support_c)
    assert len(rows) == 130
    assert len({r["custom_id"] for r in rows}) == 130


def test_the_list_filters_are_honoured(support_c):
    delivered = make_purchases(3, state="delivered", provider="skinify")
    make_purchases(2, state="failed", provider="skinify")
    make_purchases(2, state="delivered", provider="skinsback")
    rows = exported(support_c, {"state__exact": "delivered", "provider__exact": "skinify"})
    assert sorted(r["custom_id"] for r in rows) == sorted(p.custom_id for p in delivered)


def test_the_search_is_honoured(support_c):
    mira = make_user()
    hers = [make_purchase(steam_user=mira) for _ in range(3)]
    make_purchases(4)
    rows = exported(support_c, {"q": mira.steam_id})
    assert sorted(r["custom_id"] for r in rows) == sorted(p.custom_id for p in hers)
    assert {r["steam_id"] for r in rows} == {mira.steam_id}
    [one] = exported(support_c, {"q": hers[0].custom_id})
    assert one["custom_id"] == hers[0].custom_id


def test_the_page_and_the_ordering_do_not_cut_it(support_c):
    make_purchases(70)
    assert len(exported(support_c, {"p": "1", "o": "-6"})) == 70


def test_the_list_links_to_it_with_its_filters(support_c):
    make_purchase(state="delivered")
    html = support_c.get(LIST_URL, {"state__exact": "delivered", "q": "x"}).content.decode()
    assert f'href="{URL}?q=x&amp;state__exact=delivered" id="bo-export-all"' in html
    assert "Export all matching (CSV)" in html


def test_bad_filters_go_back_to_the_list(support_c):
    response = support_c.get(URL, {"nonsense__field": "1"})
    assert response.status_code == 302 and response["Location"].startswith(LIST_URL)


def test_only_who_may_view_purchases(nobody_c, operator_c, client):
    make_purchase()
    assert nobody_c.get(URL).status_code == 403
    assert client.get(URL).status_code == 302
    assert len(exported(operator_c)) == 1


def _add(user, n: int) -> None:
    Purchase.objects.bulk_create(
        Purchase(
            steam_user=user,
            provider="skinsback",
            item_name=f"Item {i}",
            max_price=Decimal("5.00"),
            state="delivered",
            balance_debited=Decimal("1.2345"),
        )
        for i in range(n)
    )


def _stream(client) -> tuple[int, int, int]:
    """Lines, the tracemalloc peak while the response is read, and the queries run while it is read."""
    response = client.get(URL, {"state__exact": "delivered"})
    lines = 0
    tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as ctx:
            for chunk in response.streaming_content:
                lines += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lines, peak, len(ctx.captured_queries)


def test_streamed_in_flat_memory_through_a_chunked_cursor(support_c):
    """N rows, then 4N: the peak while streaming stays flat, and the rows are one query read in chunks."""
    user = make_user()
    small = CHUNK_SIZE + CHUNK_SIZE // 2
    _add(user, small)
    lines, small_peak, _ = _stream(support_c)
    assert lines == small + 1
    _add(user, 3 * small)
    lines, peak, queries = _stream(support_c)
    assert lines == 4 * small + 1
    print(f"{small} rows: peak {small_peak / 1e6:.2f} MB; {4 * small} rows: {peak / 1e6:.2f} MB")
    assert peak < 1.5 * small_peak + 512 * 1024, f"peak {small_peak / 1e6:.2f} -> {peak / 1e6:.2f} MB"
    assert queries == 1
