"""SandboxState: everything the emulator remembers, guarded by one lock."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal
from typing import Any

from .bulk import create_purchases
from .catalog import Catalog, Listing
from .clock import SandboxClock
from .config import (
    DEFAULT_BALANCE,
    PROVIDERS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_SKINIFY_TOKEN,
    SKINIFY_RATE_LIMIT,
    SKINSBACK,
    SKINSBACK_RATE_LIMIT,
)
from .counters import Counters, SlidingWindow
from .faults import FaultBook, FaultRule
from .inventory import check_currency
from .purchases import Purchase, choose_outcome, new_purchase
from .store import PurchaseStore
from .webhooks import WebhookDispatcher, buy_item_event, check_url, status_change_event


class SandboxState:
    """All sandbox state. Public methods take `lock`; methods starting with `_` expect it held."""

    def __init__(
        self,
        *,
        seed: int = 1,
        speed: float = 1.0,
        balance: Decimal | str | int = DEFAULT_BALANCE,
        client_id: str = SANDBOX_CLIENT_ID,
        client_secret: str = SANDBOX_CLIENT_SECRET,
        skinify_token: str = SANDBOX_SKINIFY_TOKEN,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        rate_limit: int = SKINSBACK_RATE_LIMIT,
        skinify_rate_limit: int = SKINIFY_RATE_LIMIT,
        consume_on_buy: bool = False,
        project_currency: str = "usd",
    ) -> None:
        self.lock = threading.Lock()
        self.project_currency = check_currency(project_currency)
        self.client_id, self.client_secret, self.skinify_token = client_id, client_secret, skinify_token
        self.webhook_url = check_url(webhook_url)
        self._webhook_secret = webhook_secret
        self.webhooks = WebhookDispatcher(self)
        self._defaults = (rate_limit, skinify_rate_limit, consume_on_buy)
        self._reset(seed, speed, Decimal(str(balance)))

    def _reset(self, seed: int, speed: float, balance: Decimal) -> None:
        self.seed = int(seed)
        self.clock = SandboxClock(speed)
        self.initial_balance = balance
        self.balances = {provider: balance for provider in PROVIDERS}
        self.rate_limit, self.skinify_rate_limit, self.consume_on_buy = self._defaults
        self.faults = FaultBook(self.seed)
        self.catalog = Catalog()
        self.store = PurchaseStore()
        self.counters = Counters()
        self.windows: dict[tuple[str, str], SlidingWindow] = {}
        self.inventory_sizes: dict[str, int] = {}

    def reset(self, *, seed: int | None = None, speed: float | None = None, balance: Any = None) -> None:
        """Forget purchases, counters, faults and sizes; credentials and webhook settings stay."""
        self.webhooks.drain()
        with self.lock:
            self._reset(
                self.seed if seed is None else seed,
                self.clock.speed if speed is None else speed,
                self.initial_balance if balance is None else Decimal(str(balance)),
            )

    # --- clock -------------------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> float:
        return self.clock.advance(seconds)

    @property
    def speed(self) -> float:
        return self.clock.speed

    def set_project_currency(self, code: str) -> None:
        """The currency SkinsBack's `balance` answers in (the project's own); buys still debit USD prices."""
        self.project_currency = check_currency(code)

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)

    # --- counters (read-only views) -------------------------------------------------------------------------
    @property
    def requests(self) -> Counter[str]:
        return self.counters.requests

    @property
    def requests_per_minute(self) -> Counter[tuple[str, int]]:
        return self.counters.requests_per_minute

    @property
    def buys_recorded(self) -> Counter[str]:
        return self.counters.buys_recorded

    @property
    def buy_attempts(self) -> Counter[str]:
        return self.counters.buy_attempts

    def counters_json(self) -> dict[str, Any]:
        with self.lock:
            data = self.counters.as_json()
        data["webhooks"] = self.webhooks.stats()
        return data

    # --- configuration -------------------------------------------------------------------------------------
    @property
    def webhook_secret(self) -> str:
        return self._webhook_secret or self.client_secret

    @webhook_secret.setter
    def webhook_secret(self, value: str | None) -> None:
        self._webhook_secret = value or None

    def set_webhook_url(self, url: str | None) -> None:
        """Point webhooks at `url`; only status changes from now on are sent."""
        with self.lock:
            now = self.now()
            for purchase in self.store.watched.values():
                purchase.due_steps(now)
            self.webhook_url = check_url(url)

    def inject(
        self,
        method: str,
        kind: str,
        *,
        times: int | None = None,
        rate: float | None = None,
        latency: float = 0.0,
    ) -> FaultRule:
        with self.lock:
            return self.faults.inject(method, kind, times=times, rate=rate, latency=latency)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def pick_fault(self, method: str, provider: str | None = None) -> FaultRule | None:
        with self.lock:
            return self.faults.pick(method, provider) if self.faults.rules else None

    def set_pricelist_size(self, game: str, size: int, provider: str | None = None) -> None:
        with self.lock:
            self.catalog.set_size(game, int(size), provider)

    def set_inventory_size(self, steam_id: str, size: int) -> None:
        with self.lock:
            self.inventory_sizes[str(steam_id)] = max(0, int(size))

    def count_request(self, provider: str, method: str) -> None:
        with self.lock:
            self.counters.count_request(provider, method)

    def allow_request(self, provider: str, key: str, method: str) -> bool:
        """Count the request and apply the provider's per-minute limit to `key` (client id / token)."""
        with self.lock:
            self.counters.count_request(provider, method)
            limit = self.rate_limit if provider == SKINSBACK else self.skinify_rate_limit
            allowed = self.windows.setdefault((provider, key), SlidingWindow()).allow(limit)
            if not allowed:
                self.counters.rate_limited[provider] += 1
            return allowed

    # --- purchases -----------------------------------------------------------------------------------------
    def balance(self, provider: str = SKINSBACK) -> Decimal:
        with self.lock:
            return self.balances[provider]

    def get_purchase(self, custom_id: str, provider: str | None = None) -> Purchase | None:
        with self.lock:
            for prov in [provider] if provider else list(PROVIDERS):
                found = self.store.by_custom(prov, custom_id)
                if found:
                    return found
        return None

    def outcome_for(self, custom_id: str, provider: str = SKINSBACK) -> str:
        """The scripted outcome of a purchase with this custom_id ("reserved+..." if reserved)."""
        outcome, reserved = choose_outcome(self.seed, provider, custom_id)
        return f"reserved+{outcome}" if reserved else outcome

    def force_status(
        self,
        custom_id: str,
        status: str,
        provider: str = SKINSBACK,
        *,
        error_reason: str | None = None,
        hold_seconds: float | None = None,
    ) -> Purchase:
        """Put a purchase into `status` now and keep it there; raises KeyError if unknown."""
        with self.lock:
            purchase = self.store.by_custom(provider, custom_id)
            if purchase is None:
                raise KeyError(custom_id)
            purchase.force(self.now(), status, error_reason, hold_seconds)
            if provider == SKINSBACK:
                self.store.watched[purchase.buy_id] = purchase
            return purchase

    def _record(
        self,
        provider: str,
        listing: Listing,
        custom_id: str | None,
        partner: str,
        token: str,
        at: float | None = None,
        debit: bool = True,
        notify: bool = True,
    ) -> Purchase:
        """Create a purchase (lock held): script, debit, consume the listing, watch it for webhooks."""
        buy_id, offer_id = self.store.new_ids(provider)
        created = self.now() if at is None else at
        purchase = new_purchase(
            self.seed, provider, buy_id, offer_id, listing, custom_id, partner, token, created
        )
        if debit:
            self.balances[provider] -= listing.price
        if self.consume_on_buy:
            self.catalog.sold.add(listing.id)
        self.store.add(purchase, watch=notify and provider == SKINSBACK)
        if notify and provider == SKINSBACK and self.webhook_url:
            self.webhooks.enqueue(buy_item_event(purchase))
        return purchase

    def tick(self) -> int:
        """Queue webhooks for SkinsBack status changes reached by now; returns how many were queued."""
        events = []
        with self.lock:
            if not self.webhook_url:
                return 0
            now = self.now()
            for buy_id, purchase in list(self.store.watched.items()):
                events += [status_change_event(purchase, step) for step in purchase.due_steps(now)]
                if not purchase.snapshot(now).open and purchase.notified >= len(purchase.steps) - 1:
                    del self.store.watched[buy_id]
        for event in events:
            self.webhooks.enqueue(event)
        return len(events)

    def create_purchases(self, provider: str, custom_ids: list[str], **options: Any) -> list[Purchase]:
        """Bulk-create purchases directly (benchmarks); see `sandbox.bulk.create_purchases`."""
        return create_purchases(self, provider, custom_ids, **options)

    # --- background work ---------------------------------------------------------------------------------
    def start_background(self) -> None:
        self.webhooks.start()

    def stop_background(self) -> None:
        self.webhooks.stop()
