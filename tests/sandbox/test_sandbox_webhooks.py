"""Signed SkinsBack webhooks, delivered from the background thread to a local receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from sandbox.server import SandboxServer
from sandbox.signing import webhook_signature

from .conftest import buy_params, custom_id_with


class Receiver:
    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        received = self.calls

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/skinsback/"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.calls]

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], seconds: float = 5.0) -> list[dict]:
        if wait_until(lambda: predicate(self.events()), seconds):
            return self.events()
        raise AssertionError(f"webhooks not received; got {self.events()}")


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll `condition` until it holds (True) or `seconds` have passed (False): the background thread's
    deliveries land a moment after the call that caused them."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()


def bought_until_accepted(
    sb: SandboxServer,
    http: requests.Session,
    call: Callable[..., dict],
    receiver: Receiver,
    outcome: str,
    seconds: int,
) -> tuple[str, Any, list[dict]]:
    """Webhooks to `receiver`, a buy whose custom_id ends in `outcome`, `seconds` of sandbox time, then
    the callbacks up to the "accepted" one: (custom_id, buy_id, events)."""
    http.post(sb.url + "/_sandbox/config", json={"webhook_url": receiver.url})
    custom_id = custom_id_with(sb.state, outcome)
    buy_id = call(**buy_params(custom_id))["buy_id"]
    sb.state.advance(seconds)
    events = receiver.wait_for(lambda evs: any(e["data"].get("offer_status") == "accepted" for e in evs))
    return custom_id, buy_id, events


def test_buy_and_status_changes_are_posted_signed(
    sb: SandboxServer, http: requests.Session, call: Callable[..., dict], receiver: Receiver
) -> None:
    custom_id, buy_id, events = bought_until_accepted(sb, http, call, receiver, "accepted", 7)
    buy_id = str(buy_id)
    assert [e["event"] for e in events] == ["buy_item", "status_change", "status_change"]
    assert events[0]["data"]["buy_id"] == buy_id and events[0]["data"]["offer_status"] == "creating_trade"
    waiting = events[1]["data"]
    assert set(waiting) == {"item", "buy_id", "offer_status", "error_reason", "tradeofferid", "custom_id"}
    assert (waiting["offer_status"], waiting["custom_id"]) == ("waiting_accept", custom_id)
    assert waiting["tradeofferid"].isdigit() and waiting["error_reason"] is None
    for headers, body in receiver.calls:
        assert headers["Content-Type"] == "application/json"
        assert headers["Signature"] == webhook_signature(body, "sandbox-secret")


def test_webhook_secret_and_forced_status(
    sb: SandboxServer, call: Callable[..., dict], receiver: Receiver
) -> None:
    sb.state.webhook_secret = "hook-secret"
    call(**buy_params("before-webhooks"))
    sb.state.set_webhook_url(receiver.url)
    sb.state.force_status("before-webhooks", "canceled")
    events = receiver.wait_for(lambda evs: len(evs) >= 1)
    assert [e["data"]["offer_status"] for e in events] == ["canceled"]
    headers, body = receiver.calls[0]
    assert headers["Signature"] == webhook_signature(body, "hook-secret")
    # the sandbox counts a delivery once the receiver's answer is back, a moment after we saw the request
    wait_until(lambda: sb.state.counters_json()["webhooks"]["sent"] >= 1)
    assert sb.state.counters_json()["webhooks"]["sent"] >= 1


def test_no_webhooks_without_url(sb: SandboxServer, call: Callable[..., dict]) -> None:
    call(**buy_params("quiet"))
    sb.state.advance(10)
    assert sb.state.tick() == 0
    assert sb.state.webhooks.queue.qsize() == 0


VENDOR_STATUS_CHANGE_KEYS = {"item", "buy_id", "offer_status", "error_reason", "tradeofferid", "custom_id"}


def test_status_change_callbacks_are_holdless_even_for_a_held_purchase(
    sb: SandboxServer, http: requests.Session, call: Callable[..., dict], receiver: Receiver
) -> None:
    _, buy_id, events = bought_until_accepted(sb, http, call, receiver, "accepted_hold", 7)
    changes = [e["data"] for e in events if e["event"] == "status_change"]
    assert [c["offer_status"] for c in changes] == ["waiting_accept", "accepted"]
    for change in changes:
        assert set(change) == VENDOR_STATUS_CHANGE_KEYS  # no in_hold / in_hold_until, as the vendor's
        assert change["item"] == {"id": "10000001"} and change["buy_id"] == str(buy_id)
    info = call(method="market_getinfo", buy_id=buy_id)
    assert info["in_hold"] is True and "in_hold_until" in info  # the hold is only visible by asking


def test_forced_rollback_inside_the_hold_is_called_back(
    sb: SandboxServer, http: requests.Session, call: Callable[..., dict], receiver: Receiver
) -> None:
    # accepted at 6 s, held until 36 s
    custom_id, buy_id, _ = bought_until_accepted(sb, http, call, receiver, "accepted_hold", 10)
    held = http.get(sb.url + f"/_sandbox/purchases/{custom_id}").json()
    assert (held["status"], held["in_hold"]) == ("accepted", True)
    forced = http.post(
        sb.url + "/_sandbox/force", json={"custom_id": custom_id, "status": "rollback_user"}
    ).json()
    assert (forced["status"], forced["hold_until"]) == ("rollback_user", held["hold_until"])
    events = receiver.wait_for(lambda evs: evs[-1]["data"].get("offer_status") == "rollback_user")
    rollback = events[-1]
    assert rollback["event"] == "status_change" and set(rollback["data"]) == VENDOR_STATUS_CHANGE_KEYS
    assert (rollback["data"]["buy_id"], rollback["data"]["custom_id"]) == (str(buy_id), custom_id)
    assert rollback["data"]["tradeofferid"].isdigit() and rollback["data"]["error_reason"] is None
    assert call(method="market_getinfo", buy_id=buy_id)["offer_status"] == "rollback_user"
    sb.state.advance(60)
    assert sb.state.tick() == 0  # it stays rolled back: no further callbacks
