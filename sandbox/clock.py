"""The sandbox clock: real time x speed + offset, so tests can run it fast or jump it forward."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SandboxClock:
    def __init__(self, speed: float = 1.0, offset: float = 0.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._lock = threading.Lock()
        self._anchor = time.time()
        self._anchor_value = self._anchor + offset
        self._speed = float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        """Seconds since the epoch on the sandbox clock."""
        with self._lock:
            return self._anchor_value + (time.time() - self._anchor) * self._speed

    def __call__(self) -> float:
        return self.now()

    def advance(self, seconds: float) -> float:
        """Jump forward (or back) by `seconds` of sandbox time; returns the new now()."""
        with self._lock:
            self._anchor_value += float(seconds)
        return self.now()

    def set_speed(self, speed: float) -> None:
        """Change the speed from now on, without a jump."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        current = self.now()
        with self._lock:
            self._anchor, self._anchor_value, self._speed = time.time(), current, float(speed)


def utc_datetime(timestamp: float) -> str:
    """`YYYY-MM-DD HH:MM:SS` in UTC (SkinsBack's `in_hold_until`)."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
