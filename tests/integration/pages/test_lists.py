"""Issue 13 point 3: the purchase list and the batch page show the reason in words and the money, cost the
same number of queries for 1 and 100 rows, and the batch page sums up its batch and updates in place."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from purchases.admin.purchase_list import batch_summary
from purchases.models import Purchase
from tests.factories import make_item, make_purchase, make_user

from .helpers import queries

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:purchases_purchase_changelist")
OUTCOMES = [
    {"state": "failed", "provider_status": "trade_create_error", "price": Decimal("14.62")},
    {"state": "rejected", "error_code": "6", "error_reason": "skins_not_found_at_specified_price"},
    {"state": "unconfirmed", "error_reason": "no usable answer (Timeout); resolved by looking it up"},
    {"state": "in_progress", "needs_attention": True, "attention_reason": "Unknown provider status 'x'"},
    {"state": "delivered", "provider_status": "accepted", "price": Decimal("1234.5")},
]


@pytest.fixture
def whole_page(monkeypatch):
    """100 rows on one page, so 100 rows are really rendered."""
    monkeypatch.setattr(admin.site._registry[Purchase], "list_per_page", 100)


def add_rows(n: int, *, batch_id: uuid.UUID | None = None) -> None:
    start = Purchase.objects.count()
    for i in range(start, start + n):
        # each row its own Steam user and catalog item, so a missing select_related shows as extra queries
        make_purchase(
            steam_user=make_user(),
            item=make_item(),
            batch_id=batch_id,
            batch_line=i if batch_id else None,
            **OUTCOMES[i % len(OUTCOMES)],
        )


def rows_listed(response) -> int:
    return len(response.context["cl"].result_list)


@pytest.mark.parametrize("batch", [False, True], ids=["purchase list", "batch page"])
def test_list_queries_are_the_same_for_1_and_100_rows(operator_client, whole_page, batch):
    batch_id = uuid.uuid4() if batch else None
    params = {"batch_id": str(batch_id)} if batch else {}
    add_rows(1, batch_id=batch_id)
    queries(operator_client, LIST_URL, params)  # warm-up: content types, permissions
    one, response = queries(operator_client, LIST_URL, params)
    assert rows_listed(response) == 1
    add_rows(99, batch_id=batch_id)
    hundred, response = queries(operator_client, LIST_URL, params)
    assert rows_listed(response) == 100
    assert one == hundred, f"{one} queries for 1 row, {hundred} for 100"


def test_the_list_says_why_in_words(operator_client):
    add_rows(len(OUTCOMES))
    page = operator_client.get(LIST_URL).content.decode()
    assert "The provider could not create the trade offer" in page
    assert "Refused: nothing on sale at or below the max price" in page
    assert "No usable answer (Timeout)" in page
    assert "Needs attention: Unknown provider status" in page
    assert 'title="The provider could not create the trade offer' in page and "(trade_create_error)" in page


def test_the_list_keeps_money_and_names_compact(operator_client):
    item_name = "★ StatTrak™ Karambit | Doppler Sapphire (Factory New)"
    make_purchase(item_name=item_name, price=Decimal("9120"), max_price=Decimal("10000"))
    page = operator_client.get(LIST_URL).content.decode()
    assert "9,120.00 USD" in page and "10,000.00 USD" in page
    assert f'class="bo-name" title="{item_name}"' in page  # cut by CSS, whole on hover
    assert 'class="bo-purchase-link"' in page


def test_an_old_open_purchase_needs_attention_by_age(operator_client):
    make_purchase(state="in_progress", created_at=timezone.now() - timedelta(hours=3))
    page = operator_client.get(LIST_URL).content.decode()
    assert "Needs attention: in progress for 3" in page


def test_the_batch_summary_counts_states_and_money():
    batch_id, user = uuid.uuid4(), make_user()
    rows = [
        ("delivered", Decimal("10.00"), Decimal("10.00")),
        ("failed", Decimal("4.50"), None),  # no debit reported: the price counts
        ("rejected", None, None),
        ("unconfirmed", None, None),
        ("pending", None, None),
    ]
    for n, (state, price, debited) in enumerate(rows):
        make_purchase(
            steam_user=user,
            state=state,
            price=price,
            balance_debited=debited,
            max_price=Decimal("20.00"),
            batch_id=batch_id,
            batch_line=n,
        )
    summary = batch_summary(batch_id)
    assert summary["total"] == 5
    assert {state: count for _, state, count in summary["summary"]} == {
        "delivered": 1,
        "failed": 1,
        "rejected": 1,
        "unconfirmed": 1,
        "pending": 1,
    }
    assert summary["debited"] == "14.50 USD"  # the failed one went to a failed offer, not delivered
    assert (summary["split"].delivered, summary["split"].failed) == (Decimal("10.00"), Decimal("4.50"))
    assert summary["open_max"] == "40.00 USD"  # the unconfirmed and pending may still cost their max
    assert summary["refresh"] is True


def test_the_batch_page_updates_in_place_and_the_plain_list_does_not(operator_client):
    batch_id = uuid.uuid4()
    make_purchase(state="in_progress", batch_id=batch_id, batch_line=0, price=Decimal("3.27"))
    page = operator_client.get(LIST_URL, {"batch_id": str(batch_id)}).content.decode()
    assert "backoffice/batch_live.js" in page and 'data-refresh="1"' in page
    assert 'http-equiv="refresh"' not in page  # no full reload: ticked boxes would be lost
    assert "Debited <strong" in page and "3.27 USD</strong> on the way" in page
    plain = operator_client.get(LIST_URL).content.decode()
    assert "batch_live.js" not in plain
