"""SkinsBack webhooks: events built from purchases, signed, POSTed from a background thread."""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from collections import deque
from typing import TYPE_CHECKING, Any

from .money import php_money
from .signing import webhook_signature

if TYPE_CHECKING:
    from .purchases import Purchase, Step
    from .state import SandboxState

log = logging.getLogger(__name__)
TICK_SECONDS = 0.5
DELIVERY_TIMEOUT = 5.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an environment proxy


def buy_item_event(purchase: Purchase) -> dict[str, Any]:
    listing = purchase.listing
    item = {
        "id": str(listing.id),
        "name": listing.name,
        "price": php_money(purchase.price),
        "classid": listing.entry.classid,
    }
    data = {
        "item": item,
        "buy_id": str(purchase.buy_id),
        "offer_status": purchase.steps[0].status,
        "balance_debited_sum": php_money(purchase.price),
        "custom_id": purchase.custom_id,
    }
    return {"event": "buy_item", "data": data}


def status_change_event(purchase: Purchase, step: Step) -> dict[str, Any]:
    has_offer = purchase.offer_at is not None and step.at >= purchase.offer_at
    data = {
        "item": {"id": str(purchase.listing.id)},
        "buy_id": str(purchase.buy_id),
        "offer_status": step.status,
        "error_reason": step.error_reason,
        "tradeofferid": purchase.trade_offer_id if has_offer else None,
        "custom_id": purchase.custom_id,
    }
    return {"event": "status_change", "data": data}


def check_url(url: str | None) -> str | None:
    """A webhook URL must be http(s); empty means off."""
    if url and not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook url must start with http:// or https://: {url!r}")
    return url or None


def encode_event(event: dict[str, Any]) -> bytes:
    """Compact JSON, as in the vendor's example body."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookDispatcher:
    """A ticker that turns status changes into events, and a worker that delivers them in order."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.queue: queue.Queue[tuple[str, str, bytes] | None] = queue.Queue()
        self.log: deque[dict[str, Any]] = deque(maxlen=200)
        self.sent = self.failed = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def enqueue(self, event: dict[str, Any]) -> None:
        url = self.state.webhook_url
        if url:
            self.queue.put((url, self.state.webhook_secret, encode_event(event)))

    def drain(self) -> None:
        """Drop events not delivered yet (on reset)."""
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                return

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for target, name in ((self._tick_loop, "sandbox-ticker"), (self._deliver_loop, "sandbox-webhooks")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.queue.put(None)
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads = []

    def stats(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "queued": self.queue.qsize(),
            "last": list(self.log)[-20:],
        }

    def _tick_loop(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.state.tick()
            except Exception:  # the ticker must survive anything
                log.exception("sandbox webhook tick failed")

    def _deliver_loop(self) -> None:
        while not self._stop.is_set():
            job = self.queue.get()
            if job is None:
                continue
            self.deliver(*job)

    def deliver(self, url: str, secret: str, body: bytes) -> int | None:
        """POST one event; returns the HTTP status, or None when the receiver could not be reached."""
        headers = {"Content-Type": "application/json", "Signature": webhook_signature(body, secret)}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - checked
        status: int | None
        try:
            with _OPENER.open(request, timeout=DELIVERY_TIMEOUT) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            log.warning("sandbox webhook to %s failed: %s", url, exc)
            status = None
        ok = status is not None and 200 <= status < 300
        self.sent += ok
        self.failed += not ok
        self.log.append({"url": url, "status": status, "event": json.loads(body).get("event")})
        return status
