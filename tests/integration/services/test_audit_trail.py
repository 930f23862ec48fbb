"""The audit trail is written by the services, in their transaction: a LogEntry for a person's request,
PurchaseEvents only (source "command") for commands, which pass no user actor."""

import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.management import call_command

from purchases.models import Purchase, PurchaseEvent
from purchases.services import BuyLine, purchases_create, purchases_sync
from tests.factories import make_item, make_purchase, make_user

pytestmark = pytest.mark.django_db


def create(actor, source="admin"):
    return purchases_create(
        steam_user=make_user(),
        provider="skinsback",
        lines=[BuyLine(max_price=Decimal("5"), item=make_item())],
        actor=actor,
        batch_id=uuid.uuid4(),
        source=source,
        enqueue=False,
    )


def test_a_buy_by_a_person_writes_its_log_entry_in_the_service(operator):
    result = create(operator)
    [entry] = LogEntry.objects.all()
    assert (entry.user, entry.action_flag, entry.object_id) == (
        operator,
        ADDITION,
        str(result.purchases[0].pk),
    )
    assert str(result.batch_id) in entry.change_message


def test_the_log_entry_is_written_in_the_same_transaction_as_the_rows(operator):
    failing = mock.patch.object(LogEntry.objects, "bulk_create", side_effect=RuntimeError("boom"))
    with failing, pytest.raises(RuntimeError):
        create(operator)
    assert not Purchase.objects.exists() and not PurchaseEvent.objects.exists()


def test_a_buy_without_a_person_writes_events_only():
    create(None, source="command")
    assert not LogEntry.objects.exists()
    assert set(PurchaseEvent.objects.values_list("source", flat=True)) == {"command"}


def test_a_refresh_by_a_person_logs_each_change(sandbox, operator):
    sandbox.state.create_purchases("skinsback", ["audit-1"], status="waiting_accept")
    purchase = make_purchase(custom_id="audit-1", state="unconfirmed")
    purchases_sync(custom_ids=["audit-1"], actor=operator, source="admin", interactive=True)
    entry = LogEntry.objects.get(object_id=str(purchase.pk))
    assert entry.user == operator and entry.action_flag == CHANGE and "Refreshed" in entry.change_message


def test_commands_leave_command_events_and_no_log_entry(sandbox):
    sandbox.state.create_purchases("skinsback", ["audit-2"], status="waiting_accept")
    purchase = make_purchase(custom_id="audit-2", state="unconfirmed")
    call_command("sync_purchases", "--custom-id", "audit-2")
    call_command("lookup_purchase", "audit-2", "--refresh")
    assert not LogEntry.objects.exists()
    assert set(PurchaseEvent.objects.filter(purchase=purchase).values_list("source", flat=True)) == {
        "command"
    }
