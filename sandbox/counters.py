"""Request and buy counters, and the sliding-window rate limiter."""

from __future__ import annotations

import time
from collections import Counter, deque
from datetime import UTC, datetime
from typing import Any

from .config import RATE_WINDOW_SECONDS


class Counters:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.requests_per_minute: Counter[tuple[str, int]] = Counter()
        self.provider_requests_per_minute: Counter[tuple[str, int]] = Counter()
        self.buys_recorded: Counter[str] = Counter()
        self.buy_attempts: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()

    def count_request(self, provider: str, method: str) -> None:
        minute = int(time.time() // 60)
        self.requests[method] += 1
        self.requests_per_minute[(method, minute)] += 1
        self.provider_requests_per_minute[(provider, minute)] += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "requests_per_minute": _nested(self.requests_per_minute),
            "provider_requests_per_minute": _nested(self.provider_requests_per_minute),
            "buys_recorded": dict(self.buys_recorded),
            "buy_attempts": dict(self.buy_attempts),
            "rate_limited": dict(self.rate_limited),
        }


def _nested(counter: Counter[tuple[str, int]]) -> dict[str, dict[str, int]]:
    """{(name, minute): n} -> {name: {"YYYY-MM-DDTHH:MM": n}} (UTC, real time)."""
    result: dict[str, dict[str, int]] = {}
    for (name, minute), count in sorted(counter.items()):
        label = datetime.fromtimestamp(minute * 60, tz=UTC).strftime("%Y-%m-%dT%H:%M")
        result.setdefault(name, {})[label] = count
    return result


class SlidingWindow:
    """At most `limit` accepted hits in any RATE_WINDOW_SECONDS of real (monotonic) time."""

    def __init__(self) -> None:
        self._hits: deque[float] = deque()

    def allow(self, limit: int) -> bool:
        now = time.monotonic()
        while self._hits and self._hits[0] <= now - RATE_WINDOW_SECONDS:
            self._hits.popleft()
        if len(self._hits) >= limit:
            return False
        self._hits.append(now)
        return True
