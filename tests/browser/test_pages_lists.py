"""Issue 13 point 3 at 1440 px with the sidebar open: the purchase list shows the reason, keeps the money
columns in view and each name on one line; the batch page updates its rows in place, ticked boxes kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from purchases.models import Purchase

from .conftest import VIEWPORT, login, screenshot
from .pages_data import PASSWORD, many_outcomes, moving_batch, staff

pytestmark = pytest.mark.django_db(transaction=True)
LIST_URL = reverse("admin:purchases_purchase_changelist")


def sidebar_open(page) -> bool:
    return page.locator("#main.shifted").count() == 1 and page.locator("#nav-sidebar").is_visible()


def assert_columns_in_view(page) -> None:
    table = page.locator("#result_list").bounding_box()
    for column in ("price_display", "max_price_display", "created_display", "state_reason_display"):
        header = page.locator(f"#result_list th.column-{column}").bounding_box()
        assert header and header["x"] + header["width"] <= VIEWPORT["width"], column
    assert table["x"] + table["width"] <= VIEWPORT["width"]
    # short rows: the whole item name and the reason wrap (issue 21: never cut mid-word), at most ~4 lines
    heights = page.locator("#result_list tbody tr").evaluate_all("rows => rows.map(r => r.offsetHeight)")
    assert max(heights) < 100, heights
    scroll = page.locator("#result_list").evaluate(
        "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]"
    )
    assert scroll[0] <= scroll[1], f"the list scrolls sideways: {scroll}"


def test_the_purchase_list_shows_reasons_and_keeps_money_in_view(page, live_server):
    staff("olga.operator", "Operators")
    purchases = many_outcomes()
    login(page, live_server, "olga.operator", PASSWORD)
    page.goto(f"{live_server.url}{LIST_URL}")
    assert sidebar_open(page)
    assert_columns_in_view(page)
    reasons = page.locator("#result_list td.field-state_reason_display").all_inner_texts()
    failed = purchases[0]
    row = page.locator("#result_list tbody tr", has=page.locator(f"a:text-is('{failed.custom_id}')"))
    assert "could not create the trade offer" in row.locator("td.field-state_reason_display").inner_text()
    assert any("Refused: nothing on sale at or below the max price" in text for text in reasons)
    name = row.locator("td.field-purchase_display .bo-name")
    assert name.get_attribute("title") == failed.item_name  # the whole name on hover
    assert "9,120.00 USD" in page.locator("#result_list").inner_text()
    screenshot(page, "purchase_list")


def test_the_batch_page_updates_rows_in_place_and_keeps_ticked_boxes(page, live_server):
    staff("olga.operator", "Operators")
    batch_id, purchases = moving_batch()
    login(page, live_server, "olga.operator", PASSWORD)
    page.goto(f"{live_server.url}{LIST_URL}?batch_id={batch_id}")
    assert sidebar_open(page)
    assert page.locator('#bo-batch[data-refresh="1"]').count() == 1
    assert "4 in progress" in page.inner_text("#bo-batch")
    assert "58.48 USD" in page.inner_text("#bo-batch-spent")
    page.evaluate("window.boNotReloaded = true")
    first, second = purchases[0], purchases[1]
    page.check(f"input.action-select[value='{first.pk}']")
    assert "1 of 4 selected" in page.inner_text(".action-counter")

    Purchase.objects.filter(pk=second.pk).update(state="failed", provider_status="trade_create_error")
    row = page.locator("#result_list tbody tr", has=page.locator(f"a:text-is('{second.custom_id}')"))
    row.locator(".bo-state-failed").wait_for(timeout=10000)
    assert "1 failed" in page.inner_text("#bo-batch")
    assert page.evaluate("window.boNotReloaded") is True  # updated in place, never reloaded
    assert page.is_checked(f"input.action-select[value='{first.pk}']")
    assert "1 of 4 selected" in page.inner_text(".action-counter")
    assert_columns_in_view(page)
    screenshot(page, "batch_page")

    Purchase.objects.filter(batch_id=batch_id).exclude(pk=second.pk).update(
        state="delivered", provider_status="accepted"
    )
    page.wait_for_selector('#bo-batch[data-refresh="0"]', timeout=10000)  # settled: it stops
    assert page.evaluate("window.boNotReloaded") is True
    assert page.is_checked(f"input.action-select[value='{first.pk}']")
    assert "3 delivered" in page.inner_text("#bo-batch")
    screenshot(page, "batch_page_settled")
