"""`manage.py lookup_purchase`: the whole timeline, and its exit codes (run as manage.py runs it)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import load_command_class
from django.core.management.base import OutputWrapper

from purchases.models import ProviderCall, PurchaseEvent, WebhookEvent
from purchases.providers.base import Unavailable
from tests.factories import make_purchase

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `manage.py lookup_purchase *args`, through run_from_argv."""
    command = load_command_class("purchases", "lookup_purchase")
    out, err = StringIO(), StringIO()
    command.stdout, command.stderr = OutputWrapper(out), OutputWrapper(err)
    # run_from_argv closes every connection when done: keep the test's transaction open
    with mock.patch("django.core.management.base.connections.close_all"), mock.patch("sys.stderr", err):
        try:
            command.run_from_argv(["manage.py", "lookup_purchase", *args])
            code = 0
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def with_history():
    purchase = make_purchase(custom_id="bo-cmd-1", buy_id="4242", state="in_progress")
    start = purchase.created_at
    PurchaseEvent.objects.create(purchase=purchase, at=start, new_state="in_progress", source="buy")
    ProviderCall.objects.create(
        provider="skinsback",
        method="market_getinfo",
        started_at=start + timedelta(seconds=1),
        outcome="ok",
        subjects="4242",
        request_excerpt="POST token=abcdef123",
        response_excerpt='{"status":"success"}',
    )
    WebhookEvent.objects.create(
        received_at=start + timedelta(seconds=2),
        event="status_change",
        valid=True,
        processed=True,
        body='{"event":"status_change","data":{"custom_id":"bo-cmd-1","offer_status":"waiting_accept"}}',
    )
    return purchase


def test_found_exits_0_and_prints_calls_and_callbacks():
    with_history()
    code, out, _ = run("bo-cmd-1")
    assert code == 0
    timeline = out[out.index("timeline:") :]
    lines = [line for line in timeline.splitlines()[1:] if line.strip()]
    assert len(lines) == 3
    assert "buy" in lines[0] and "skinsback.market_getinfo" in lines[1] and "status_change" in lines[2]


def test_json_has_every_kind_redacted():
    with_history()
    code, out, _ = run("bo-cmd-1", "--json")
    assert code == 0
    data = json.loads(out)
    assert [e["kind"] for e in data["timeline"]] == ["event", "call", "callback"]
    assert data["timeline"][1]["request"] == "POST token=***"
    assert data["purchase"]["custom_id"] == "bo-cmd-1"


def test_nobody_knows_it_exits_1(sandbox):
    code, _, err = run("bo-nobody-knows")
    assert code == 1
    assert "no provider knows it" in err


def test_only_the_provider_knows_it_exits_0(sandbox):
    sandbox.state.create_purchases("skinify", ["shop-cmd-1"])
    code, out, _ = run("shop-cmd-1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["in_database"] is False and data["provider"]["provider"] == "skinify"


def test_provider_down_exits_2(monkeypatch):
    def down(code, custom_id):
        raise Unavailable("under maintenance", provider=code)

    monkeypatch.setattr("purchases.management.commands.lookup_purchase.ask_provider", down)
    code, _, err = run("bo-unknown")
    assert code == 2
    assert "could not be asked" in err


def test_refresh_asks_the_provider_first(sandbox):
    [bought] = sandbox.state.create_purchases("skinsback", ["bo-cmd-2"], status="waiting_accept")
    make_purchase(custom_id="bo-cmd-2", state="unconfirmed")
    code, out, _ = run("bo-cmd-2", "--refresh", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["purchase"]["state"] == "in_progress"
    assert data["purchase"]["buy_id"] == str(bought.buy_id)
    kinds = [e["kind"] for e in data["timeline"]]
    assert "call" in kinds and "event" in kinds


def test_a_callbacks_change_is_printed_on_its_line():
    """The timeline folds the event a callback wrote into the callback's line: the command prints it."""
    purchase = with_history()
    change = PurchaseEvent.objects.create(
        purchase=purchase,
        at=purchase.created_at + timedelta(seconds=2),
        old_state="in_progress",
        new_state="failed",
        new_provider_status="canceled",
        source="webhook",
    )
    WebhookEvent.objects.filter(event="status_change").update(purchase=purchase, purchase_event=change)
    code, out, _ = run("bo-cmd-1", "--json")
    assert code == 0
    callback = json.loads(out)["timeline"][-1]
    assert callback["kind"] == "callback"
    assert callback["change"]["new_state"] == "failed"
    assert callback["change"]["provider_status"] == "canceled"
    _, text, _ = run("bo-cmd-1")
    assert "in_progress → failed canceled" in text.splitlines()[-1]
