"""Atomic counts of events per key within a window, in the shared cache (login failures, bad callbacks).

A window opens at a key's first event and lasts `window` seconds by the caller's clock. `hit` counts
one event and returns how many the window holds with it, so N concurrent callers get N distinct
counts (1..N) and "at most L" is a compare on the answer, never a read followed by a write:

- the window's start is agreed with `cache.add` (one writer wins, every caller reads the winner); when
  it is over, the next start is agreed the same way under a key named after the old one, so callers
  racing at the end of a window all land in the same next window;
- the count is `cache.incr` on a key named after the window's start: atomic on Redis, and on the
  database cache through backoffice.cache.AtomicDatabaseCache (Django's own is a get then a set).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Hit:
    count: int  # events in the window, this one included
    start: float  # when the window opened

    def seconds_left(self, at: float, window: float) -> float:
        return max(0.0, self.start + window - at)


def _ttl(window: float) -> int:
    return math.ceil(window) + 60


def window_start(key: str, at: float, window: float) -> float:
    """The start of the key's current window (opening one at `at` when there is none)."""
    head = f"{key}:start"
    cache.add(head, at, timeout=_ttl(window))
    start = cache.get(head, at)
    while at - start >= window:  # over by the caller's clock: agree on the next one
        following = f"{key}:after:{start:.6f}"
        cache.add(following, at, timeout=_ttl(window))
        start = cache.get(following, at)
        cache.set(head, start, timeout=_ttl(window))
    return start


def hit(key: str, at: float, window: float, amount: int = 1) -> Hit:
    """Count `amount` events now; the answer includes every event counted before in this window."""
    start = window_start(key, at, window)
    counter = f"{key}:n:{start:.6f}"
    cache.add(counter, 0, timeout=_ttl(window))
    try:
        count = cache.incr(counter, amount)
    except ValueError:  # expired between add and incr: a fresh counter
        cache.add(counter, 0, timeout=_ttl(window))
        count = cache.incr(counter, amount)
    return Hit(count=count, start=start)


def release(key: str, taken: Hit, amount: int = 1) -> None:
    """Give back events counted by `hit` (a reserved attempt that turned out fine)."""
    with contextlib.suppress(ValueError):  # that window is gone already
        cache.decr(f"{key}:n:{taken.start:.6f}", amount)


def peek(key: str, at: float, window: float) -> Hit:
    """The current window's count, without counting anything."""
    head = cache.get(f"{key}:start")
    if head is None or at - head >= window:
        return Hit(count=0, start=at)
    return Hit(count=cache.get(f"{key}:n:{head:.6f}", 0), start=head)


def forget(key: str) -> None:
    """Close the key's window and drop its count: its next event opens a new one."""
    start = cache.get(f"{key}:start")
    if start is not None:
        cache.delete_many([f"{key}:start", f"{key}:n:{start:.6f}"])
