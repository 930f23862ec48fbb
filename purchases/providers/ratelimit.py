"""A per-project request limiter shared by every process through Django's cache.

Why this shape:

* The providers count per project, not per process, so the count lives in the shared cache
  (`django.core.cache.cache`: the database cache by default, Redis in production).
* Counting with `incr` is not safe on the database cache (read-modify-write), so every request claims
  a *slot* with `cache.add(key)`: add is atomic on every backend we use (Redis `SET NX`; the database
  cache INSERTs and a concurrent INSERT of the same key fails on the primary key and returns False).
  Two processes can therefore never both take the last slot. Slot keys carry the bucket number, so a
  key is never re-used after it expires (re-adding an expired row is the one non-atomic path of the
  database cache, and this design never takes it).
* The provider's window may be sliding. Fixed minute windows would allow 2x the limit across a
  boundary, so the window is cut into `buckets` slices and a request is admitted only if it keeps the
  sum over the last `buckets + 1` slices within the limit; any sliding window of the real length spans
  at most that many slices. A `margin` (10 %) stays unused for clock skew and late arrivals.
* Full window: sleep until the next slice, never fail (up to `max_wait`). After a -7 /
  request_limit_exceeded, `block()` stores a "blocked until" time that every process honours.

Operational requirement: the cache must hold at least ~limit keys per provider without culling. The
database and local-memory caches cull at MAX_ENTRIES (default 300) by deleting the lowest keys, which
would free slots early; set `OPTIONS: {"MAX_ENTRIES": 10000}` (a warning is logged when it is lower).
The file cache's `add` is not atomic: do not use it for a shared limit.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("purchases.providers")


class RateLimiter:
    def __init__(
        self,
        key: str,
        per_window: int,
        *,
        window: float = 60.0,
        buckets: int = 12,
        margin: float = 0.1,
        cache: Any = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float | None = None,
    ) -> None:
        self.key = key
        self.per_window = per_window
        self.limit = max(1, math.floor(per_window * (1 - margin)))  # what we allow ourselves
        self.window = window
        self.buckets = buckets
        self.bucket_len = window / buckets
        self._cache = cache
        self.clock = clock
        self.sleep = sleep
        self.max_wait = 3 * window if max_wait is None else max_wait
        self._closed: dict[int, int] = {}  # counts of finished buckets, they never change
        self._next_slot: dict[int, int] = {}
        self._warned = False

    @property
    def cache(self) -> Any:
        if self._cache is None:  # resolved at call time: importing providers must not touch settings
            from django.core.cache import cache

            self._cache = cache
        return self._cache

    # ------------------------------------------------------------------------------------- public

    def acquire(self) -> float:
        """Take one request slot, sleeping while the window is full or blocked. Returns seconds waited."""
        started = self.clock()
        try:
            self._warn_about_backend()
            while not self._try_take():
                waited = self.clock() - started
                if waited >= self.max_wait:
                    from .base import RateLimited

                    raise RateLimited(f"no request slot within {waited:.0f}s", provider=self.key)
                self.sleep(max(0.01, min(self._until_next_chance(), self.max_wait - waited)))
        except Exception as exc:
            from .base import ProviderError

            if isinstance(exc, ProviderError):
                raise
            logger.warning("rate limiter cache unavailable (%s); proceeding unthrottled", type(exc).__name__)
        return self.clock() - started

    def block(self, seconds: float | None = None) -> float:
        """Stop every process from calling for `seconds` (default: the rest of the current window)."""
        now = self.clock()
        seconds = self.window - (now % self.window) if seconds is None else seconds
        seconds = max(seconds, self.bucket_len)
        self.cache.set(self._block_key(), now + seconds, timeout=math.ceil(seconds) + 1)
        return seconds

    def usage(self) -> tuple[int, int]:
        """(requests counted in the last window, the limit we allow ourselves)."""
        current = self._bucket(self.clock())
        used = sum(self._count(b) for b in range(current - self.buckets, current))
        return used + self._count(current, closed=False), self.limit

    # ------------------------------------------------------------------------------------- internals

    def _try_take(self) -> bool:
        now = self.clock()
        bucket = self._bucket(now)
        shared = self.cache.get_many([self._block_key(), self._hint_key(bucket)])  # one round trip
        blocked_until = shared.get(self._block_key())
        if blocked_until and blocked_until > now:
            return False
        earlier = sum(self._count(b) for b in range(bucket - self.buckets, bucket))
        slot = max(self._next_slot.get(bucket, 0), shared.get(self._hint_key(bucket)) or 0)
        timeout = math.ceil(self.window + 2 * self.bucket_len) + 1
        while earlier + slot + 1 <= self.limit:
            if self.cache.add(self._slot_key(bucket, slot), 1, timeout=timeout):
                self._next_slot = {bucket: slot + 1}
                self.cache.set(self._hint_key(bucket), slot + 1, timeout=timeout)  # a hint; may lag
                return True
            slot += 1
        self._next_slot = {bucket: slot}
        return False

    def _until_next_chance(self) -> float:
        now = self.clock()
        blocked_until = self.cache.get(self._block_key())
        if blocked_until and blocked_until > now:
            return blocked_until - now
        return self.bucket_len - (now % self.bucket_len)

    def _count(self, bucket: int, *, closed: bool = True) -> int:
        """How many slots a bucket holds. Scans every possible slot: a failed add can leave gaps."""
        if closed and bucket in self._closed:
            return self._closed[bucket]
        keys = [self._slot_key(bucket, slot) for slot in range(self.limit)]
        count = len(self.cache.get_many(keys))
        if closed:
            self._closed[bucket] = count
            for old in [b for b in list(self._closed) if b < bucket - 2 * self.buckets]:
                self._closed.pop(old, None)  # list() first: other threads may share this limiter
        return count

    def _bucket(self, now: float) -> int:
        return math.floor(now / self.bucket_len)

    def _slot_key(self, bucket: int, slot: int) -> str:
        return f"provider-rate:{self.key}:{self.bucket_len:g}:{bucket}:{slot}"

    def _hint_key(self, bucket: int) -> str:
        return f"provider-rate:{self.key}:{self.bucket_len:g}:{bucket}:next"

    def _block_key(self) -> str:
        return f"provider-rate:{self.key}:blocked"

    def _warn_about_backend(self) -> None:
        if self._warned:
            return
        self._warned = True
        max_entries = getattr(self.cache, "_max_entries", None)
        if max_entries is not None and max_entries < 4 * self.limit:
            logger.warning(
                "cache MAX_ENTRIES=%s is low for a %s/window limit of %s: culling may free slots early",
                max_entries,
                self.limit,
                self.key,
            )
        if type(self.cache).__name__ == "FileBasedCache":
            logger.warning(
                "the file-based cache's add() is not atomic: the %s limit is approximate", self.key
            )
