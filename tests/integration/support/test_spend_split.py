"""Issue 21 point 4: where the money went (delivered, on hold, on the way, failed with the refund not known,
refunded) on the batch page, the Steam user page and the CSV export, adding up exactly to what was debited;
and the operator's "Record a refund seen at the provider" (validation, once per reference, the timeline and
the admin's history, who may)."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.admin.purchase_list import batch_summary
from purchases.export import HEADERS, csv_response
from purchases.models import EventSource, Purchase, PurchaseEvent, Refund
from purchases.services import refunds as refund_service
from purchases.services.refunds import RefundRefused, refund_record
from purchases.spend import PART_OF_STATE, Part, SpendSplit, cents, spend_split
from purchases.status import SPENT_STATES
from tests.factories import make_purchase, make_user
from tests.integration.pages.helpers import queries

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:purchases_purchase_changelist")
D = Decimal

#: (state, price, balance_debited, refunds): every kind of outcome, with and without a reported debit
BATCH = [
    ("delivered", D("3.77"), D("3.77"), []),
    ("delivered", D("1.10"), None, []),  # no debit reported: the price counts
    ("on_hold", D("2.05"), D("2.05"), []),
    ("in_progress", D("4.40"), D("4.40"), []),
    ("failed", D("10.00"), D("10.00"), [D("4.00"), D("1.25")]),  # partly refunded, twice
    ("reverted", D("8.72"), D("8.72"), [D("8.72")]),  # wholly refunded
    ("failed", D("0.3333"), None, []),  # a price finer than a cent is never rounded away
    ("failed", None, None, []),  # failed before any price: nothing debited
    ("rejected", D("5.00"), None, []),  # refused: nothing debited whatever the price says
    ("unconfirmed", None, None, []),  # not known yet: at most its max price
    ("pending", None, None, []),
    ("declined", None, None, []),
]


def make_batch(rows=BATCH, *, steam_user=None, operator=None):
    batch_id, user = uuid.uuid4(), steam_user or make_user()
    for line, (state, price, debited, refunds) in enumerate(rows):
        purchase = make_purchase(
            steam_user=user,
            state=state,
            price=price,
            balance_debited=debited,
            max_price=D("20.00"),
            batch_id=batch_id,
            batch_line=line,
        )
        for n, amount in enumerate(refunds):
            Refund.objects.create(purchase=purchase, amount=amount, reference=f"r-{purchase.pk}-{n}")
    return batch_id, user


def debited_in(purchases) -> Decimal:
    """What left the balance, counted independently of purchases/spend.py."""
    spent = purchases.filter(state__in=SPENT_STATES).aggregate(s=Sum(Coalesce("balance_debited", "price")))
    return spent["s"] or D(0)


# ------------------------------------------------------------------ the split


def test_each_state_that_debits_has_a_part_and_the_others_none():
    assert set(PART_OF_STATE) == set(SPENT_STATES)
    assert PART_OF_STATE["on_hold"] == Part.ON_HOLD  # accepted, can still be rolled back: its own part
    assert PART_OF_STATE["in_progress"] == Part.ON_THE_WAY
    assert PART_OF_STATE["failed"] == PART_OF_STATE["reverted"] == Part.FAILED


def test_the_batch_split_adds_up_exactly_to_what_was_debited():
    batch_id, _ = make_batch()
    split = batch_summary(batch_id)["split"]
    assert split.delivered == D("4.87")
    assert split.on_hold == D("2.05")
    assert split.on_the_way == D("4.40")
    assert split.failed == D("10.00") - D("5.25") + D("0.3333")
    assert split.refunded == D("5.25") + D("8.72")
    assert split.awaited_max == D("40.00")  # the unconfirmed and the pending, at their max prices
    total = debited_in(Purchase.objects.filter(batch_id=batch_id))
    assert split.debited == total == D("30.3733")
    parts = split.delivered + split.on_hold + split.on_the_way + split.failed + split.refunded
    assert parts == total and all(isinstance(v, Decimal) for v in (parts, split.awaited_max))


def test_the_batch_header_says_where_the_money_went(operator_c):
    """The issue's batch: 22.49 USD debited, 18.72 of it to failed offers; then a refund is recorded."""
    batch_id, _ = make_batch(
        [
            ("delivered", D("3.77"), D("3.77"), []),
            ("failed", D("10.00"), D("10.00"), []),
            ("reverted", D("8.72"), D("8.72"), []),
        ]
    )
    page = operator_c.get(LIST_URL, {"batch_id": str(batch_id)}).content.decode()
    assert 'id="bo-spend-debited"' in page and ">22.49 USD</strong>" in page
    assert '<strong id="bo-spend-delivered">3.77 USD</strong> delivered' in page
    assert '<strong id="bo-spend-failed">18.72 USD</strong> failed, refund not known' in page
    assert 'id="bo-spend-refunded"' not in page and "Spent" not in page
    reverted = Purchase.objects.get(batch_id=batch_id, state="reverted")
    Refund.objects.create(purchase=reverted, amount=D("8.72"), reference="TX-1")
    page = operator_c.get(LIST_URL, {"batch_id": str(batch_id)}).content.decode()
    assert '<strong id="bo-spend-failed">10.00 USD</strong> failed, refund not known' in page
    assert '<strong id="bo-spend-refunded">8.72 USD</strong> refunded' in page


def test_an_empty_selection_splits_into_zeros():
    split = spend_split(Purchase.objects.none())
    assert split == SpendSplit() and split.debited == 0
    assert [part for part, *_ in split.parts()] == ["delivered"]


def test_money_is_written_with_two_decimals_never_rounded_away():
    assert [cents(D("18.7")), cents(D("0.3333")), cents(D("3.7700")), cents(None)] == [
        "18.70",
        "0.3333",
        "3.77",
        "",
    ]


# ------------------------------------------------------------------ the Steam user page


def test_the_steam_user_page_splits_failed_and_reverted_from_delivered(support_c):
    _, user = make_batch()
    make_purchase(state="delivered", price=D("99"))  # someone else's
    response = support_c.get(reverse("admin:purchases_steamuser_change", args=[user.pk]))
    totals = response.context["user_purchases"]
    assert totals.count == len(BATCH) and totals.open_count == 3  # unconfirmed, in progress, on hold
    assert totals.split == batch_summary(Purchase.objects.filter(steam_user=user).first().batch_id)["split"]
    assert totals.split.debited == debited_in(Purchase.objects.filter(steam_user=user))
    page = response.content.decode()
    assert '<strong id="bo-spend-delivered">4.87 USD</strong> delivered' in page
    assert '<strong id="bo-spend-on_hold">2.05 USD</strong> on hold' in page
    assert '<strong id="bo-spend-on_the_way">4.40 USD</strong> on the way' in page
    assert '<strong id="bo-spend-failed">5.0833 USD</strong> failed, refund not known' in page
    assert '<strong id="bo-spend-refunded">13.97 USD</strong> refunded' in page


# ------------------------------------------------------------------ the CSV export


def read_rows(queryset) -> tuple[list[dict], int]:
    with CaptureQueriesContext(connection) as ctx:
        text = b"".join(csv_response(queryset, "x.csv").streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text))), len(ctx.captured_queries)


def test_the_csv_has_the_split_per_row_in_two_decimals_with_a_currency():
    batch_id, _ = make_batch()
    purchases = Purchase.objects.filter(batch_id=batch_id)
    rows, sql = read_rows(purchases.order_by("batch_line"))
    assert sql == 1  # the refunds are a subquery of the one query, never a query per row
    assert HEADERS[-7:] == [
        "currency",
        "debited",
        "delivered",
        "on_hold",
        "on_the_way",
        "failed_refund_not_known",
        "refunded",
    ]
    assert list(rows[0]) == HEADERS
    assert {row["currency"] for row in rows} == {"USD"}
    failed = rows[4]
    assert (failed["state"], failed["debited"], failed["failed_refund_not_known"], failed["refunded"]) == (
        "failed",
        "10.00",
        "4.75",
        "5.25",
    )
    assert failed["delivered"] == failed["on_hold"] == failed["on_the_way"] == "0.00"
    assert rows[1]["delivered"] == "1.10" and rows[1]["balance_debited"] == ""  # the price counted
    assert rows[8]["state"] == "rejected" and rows[8]["debited"] == "0.00"
    parts = ["delivered", "on_hold", "on_the_way", "failed_refund_not_known", "refunded"]
    for row in rows:  # every row adds up to its debit
        assert sum(D(row[p]) for p in parts) == D(row["debited"])
    split = spend_split(purchases)
    assert sum(D(row["debited"]) for row in rows) == split.debited
    assert sum(D(row["failed_refund_not_known"]) for row in rows) == split.failed
    assert sum(D(row["refunded"]) for row in rows) == split.refunded


def test_the_export_action_has_the_split_columns(support_c):
    purchase = make_purchase(state="reverted", price=D("8.72"))
    Refund.objects.create(purchase=purchase, amount=D("8.72"), reference="TX-9")
    data = {"action": "export_csv", "_selected_action": [str(purchase.pk)], "index": "0"}
    text = b"".join(support_c.post(LIST_URL, data).streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["debited"], row["failed_refund_not_known"], row["refunded"], row["currency"]) == (
        "8.72",
        "0.00",
        "8.72",
        "USD",
    )


# ------------------------------------------------------------------ recording a refund


@pytest.fixture
def failed():
    return make_purchase(state="failed", price=D("18.72"), balance_debited=D("18.72"))


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (18.72, "decimal number"),
        ("18.72", "decimal number"),
        (D("NaN"), "decimal number"),
        (D("0"), "more than zero"),
        (D("-1.00"), "more than zero"),
        (D("1.005"), "two decimals"),
        (D("18.73"), "more than what is left to refund: 18.72 USD"),
    ],
)
def test_a_wrong_amount_is_refused_and_nothing_is_written(failed, operator, amount, words):
    with pytest.raises(RefundRefused, match=words):
        refund_record(purchase=failed, amount=amount, reference="TX-1", actor=operator)
    assert not Refund.objects.exists() and not PurchaseEvent.objects.exists()
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("reference", ["", "   ", "x" * 129])
def test_a_reference_is_required_and_bounded(failed, operator, reference):
    with pytest.raises(RefundRefused, match="reference"):
        refund_record(purchase=failed, amount=D("1.00"), reference=reference, actor=operator)
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"state": "delivered", "price": D("5")}, "this one is delivered"),
        ({"state": "in_progress", "price": D("5")}, "this one is in progress"),
        ({"state": "rejected", "price": D("5")}, "this one is rejected"),
        ({"state": "failed", "price": None}, "No debit is known"),
    ],
)
def test_only_a_failed_or_reverted_purchase_with_a_debit_gets_a_refund(operator, fields, words):
    purchase = make_purchase(**fields)
    with pytest.raises(RefundRefused, match=words):
        refund_record(purchase=purchase, amount=D("1.00"), reference="TX-1", actor=operator)


def test_a_refund_is_recorded_once_per_reference_and_never_beyond_the_debit(failed, operator):
    first = refund_record(purchase=failed, amount=D("10.00"), reference=" TX-1 ", actor=operator, note="seen")
    assert (first.amount, first.reference, first.recorded_by, first.currency) == (
        D("10.00"),
        "TX-1",
        operator,
        "usd",
    )
    with pytest.raises(RefundRefused, match="TX-1 is already recorded"):
        refund_record(purchase=failed, amount=D("1.00"), reference="TX-1", actor=operator)
    with pytest.raises(RefundRefused, match=r"left to refund: 8\.72 USD"):
        refund_record(purchase=failed, amount=D("8.73"), reference="TX-2", actor=operator)
    refund_record(purchase=failed, amount=D("8.72"), reference="TX-2", actor=operator)
    with pytest.raises(RefundRefused, match=r"left to refund: 0\.00 USD"):
        refund_record(purchase=failed, amount=D("0.01"), reference="TX-3", actor=operator)
    assert Refund.objects.filter(purchase=failed).count() == 2
    split = spend_split(Purchase.objects.filter(pk=failed.pk))
    assert (split.failed, split.refunded, split.debited) == (D("0"), D("18.72"), D("18.72"))


def test_the_same_reference_from_two_requests_is_refused_by_the_database(failed, operator, monkeypatch):
    """Two tabs past the check at once: the unique constraint refuses the second, in words."""
    refund_record(purchase=failed, amount=D("1.00"), reference="TX-1", actor=operator)
    monkeypatch.setattr(refund_service, "_check_room", lambda *args: None)
    with pytest.raises(RefundRefused, match="already recorded"):
        refund_record(purchase=failed, amount=D("1.00"), reference="TX-1", actor=operator)
    assert Refund.objects.count() == 1 and PurchaseEvent.objects.count() == 1


def test_a_refund_writes_an_event_and_the_admins_history(failed, operator):
    refund = refund_record(
        purchase=failed, amount=D("18.72"), reference="TX-7", actor=operator, note="in the dashboard"
    )
    [event] = PurchaseEvent.objects.filter(purchase=failed)
    assert (event.source, event.actor, event.old_state, event.new_state) == (
        EventSource.ADMIN,
        operator,
        "",
        "",
    )
    assert event.message == (
        "Refund of 18.72 USD recorded, seen at the provider (reference TX-7): in the dashboard"
    )
    assert event.payload == {"refund_id": refund.pk, "amount": "18.72", "reference": "TX-7"}
    [entry] = LogEntry.objects.all()
    assert (entry.user, entry.object_id, entry.action_flag) == (operator, str(failed.pk), CHANGE)
    assert entry.change_message == event.message


def test_who_may_record_a_refund(failed, support, approver, superuser, bare_staff):
    for person in (support, approver, bare_staff, None):
        with pytest.raises(RefundRefused, match="may not record refunds"):
            refund_record(purchase=failed, amount=D("1.00"), reference="TX-1", actor=person)
    refund_record(purchase=failed, amount=D("1.00"), reference="TX-1", actor=superuser)


# ------------------------------------------------------------------ the pages of a refund


def record_url(purchase) -> str:
    return reverse("admin:purchases_refund_record", args=[purchase.pk])


def purchase_page(client, purchase) -> str:
    response = client.get(reverse("admin:purchases_purchase_change", args=[purchase.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_operator_records_a_refund_from_the_purchase_page(failed, operator_c):
    page = purchase_page(operator_c, failed)
    assert 'id="bo-refunds"' in page and "No refund recorded" in page
    assert f'id="bo-record-refund" href="{record_url(failed)}"' in page
    form = operator_c.get(record_url(failed))
    assert form.status_code == 200 and 'id="bo-refund-form"' in form.content.decode()
    assert '<strong id="bo-refund-left">18.72 USD</strong>' in form.content.decode()
    data = {"amount": "18.70", "reference": "TX-42", "note": "balance history line"}
    response = operator_c.post(record_url(failed), data)
    assert response.status_code == 302 and response["Location"].endswith(f"/{failed.pk}/change/")
    page = purchase_page(operator_c, failed)
    assert "Refund of 18.70 USD recorded (reference TX-42)." in page  # the message
    assert "<strong>18.70 USD</strong> · reference <code>TX-42</code>" in page  # the refunds section
    assert "0.02 USD not known to have come back" in page
    assert "Refund of 18.70 USD recorded, seen at the provider (reference TX-42)" in page  # the timeline


def test_a_refused_refund_says_why_on_the_form(failed, operator, operator_c):
    refund_record(purchase=failed, amount=D("1.00"), reference="TX-1", actor=operator)
    response = operator_c.post(record_url(failed), {"amount": "1.00", "reference": "TX-1"})
    assert response.status_code == 200
    assert "The refund TX-1 is already recorded for this purchase." in response.content.decode()
    response = operator_c.post(record_url(failed), {"amount": "0", "reference": "TX-2"})
    assert response.status_code == 200 and Refund.objects.count() == 1


def test_support_reads_refunds_but_records_none(failed, operator, support_c):
    refund_record(purchase=failed, amount=D("2.00"), reference="TX-5", actor=operator)
    page = purchase_page(support_c, failed)
    assert "<strong>2.00 USD</strong> · reference <code>TX-5</code>" in page
    assert 'id="bo-record-refund"' not in page
    assert support_c.get(record_url(failed)).status_code == 403
    assert support_c.post(record_url(failed), {"amount": "1.00", "reference": "TX-6"}).status_code == 403
    listing = support_c.get(reverse("admin:purchases_refund_changelist"))
    assert listing.status_code == 200 and "TX-5" in listing.content.decode()
    assert Refund.objects.count() == 1


def test_the_refund_list_is_read_only(failed, operator, superuser_c):
    refund = refund_record(purchase=failed, amount=D("2.00"), reference="TX-5", actor=operator)
    assert superuser_c.get(reverse("admin:purchases_refund_add")).status_code == 403
    change = superuser_c.post(reverse("admin:purchases_refund_change", args=[refund.pk]), {"amount": "9"})
    assert change.status_code == 403
    assert superuser_c.get(reverse("admin:purchases_refund_delete", args=[refund.pk])).status_code == 403
    found = superuser_c.get(reverse("admin:purchases_refund_changelist"), {"q": failed.custom_id})
    assert list(found.context["cl"].result_list) == [refund]


def test_no_refund_section_or_link_where_there_is_nothing_to_refund(operator_c):
    delivered = make_purchase(state="delivered", price=D("3.00"))
    assert 'id="bo-refunds"' not in purchase_page(operator_c, delivered)
    page = operator_c.get(record_url(delivered)).content.decode()
    assert 'id="bo-refund-form"' not in page and "this one is delivered" in page


# ------------------------------------------------------------------ queries do not grow with the rows


def _rows(n: int) -> list[tuple]:
    kinds = [
        ("delivered", D("1.00"), D("1.00"), []),
        ("failed", D("2.00"), D("2.00"), [D("0.50")]),
        ("in_progress", D("3.00"), None, []),
    ]
    return [kinds[i % 3] for i in range(n)]


def test_the_pages_cost_the_same_queries_for_1_and_30_purchases(operator_c):
    one_batch, one_user = make_batch(_rows(1))
    many_batch, many_user = make_batch(_rows(30))
    user_url = "admin:purchases_steamuser_change"
    queries(operator_c, LIST_URL, {"batch_id": str(one_batch)})  # warm the session and caches
    queries(operator_c, reverse(user_url, args=[one_user.pk]))  # and the content types the page reads
    assert (
        queries(operator_c, LIST_URL, {"batch_id": str(one_batch)})[0]
        == queries(operator_c, LIST_URL, {"batch_id": str(many_batch)})[0]
    )
    assert (
        queries(operator_c, reverse(user_url, args=[one_user.pk]))[0]
        == queries(operator_c, reverse(user_url, args=[many_user.pk]))[0]
    )
    many = Purchase.objects.filter(batch_id=many_batch)
    assert batch_summary(many_batch)["split"].debited == debited_in(many) == D("60.00")
    with CaptureQueriesContext(connection) as ctx:
        batch_summary(many_batch)
    assert len(ctx.captured_queries) == 1
    assert read_rows(many)[1] == read_rows(Purchase.objects.filter(batch_id=one_batch))[1] == 1
