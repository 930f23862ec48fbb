"""The shared rate limiter, on a local-memory cache with a fake clock."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.core.cache.backends.locmem import LocMemCache

from purchases.providers import RateLimited
from purchases.providers.ratelimit import RateLimiter

from .conftest import SB_URL, FakeClock

_caches = 0


def _cache(max_entries: int = 100_000) -> LocMemCache:
    global _caches
    _caches += 1
    return LocMemCache(f"ratelimit-test-{_caches}", {"OPTIONS": {"MAX_ENTRIES": max_entries}})


def _limiter(clock: FakeClock, cache=None, **options) -> RateLimiter:
    options.setdefault("window", 60.0)
    return RateLimiter(
        "test",
        options.pop("per_window", 20),
        cache=cache or _cache(),
        clock=clock.time,
        sleep=clock.sleep,
        **options,
    )


def _sliding_max(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_keeps_a_margin_below_the_limit(clock):
    limiter = _limiter(clock, per_window=500)
    assert limiter.limit == 450


def test_sleeps_instead_of_failing_and_never_exceeds_the_limit_in_any_sliding_window(clock):
    limiter = _limiter(clock, per_window=20, buckets=6)
    clock.now = 1_700_000_033.3  # mid-window: a fixed-window limiter would allow 2x across the boundary
    times = []
    for _ in range(100):
        limiter.acquire()
        times.append(clock.now)
    assert _sliding_max(times, 60.0) <= 20
    assert clock.sleeps and all(s > 0 for s in clock.sleeps)
    assert times[-1] - times[0] < 6 * 60  # and it keeps moving: 100 requests in a few windows


def test_two_limiters_on_one_cache_share_the_count(clock):
    cache = _cache()
    first, second = _limiter(clock, cache, per_window=10), _limiter(clock, cache, per_window=10)
    for _ in range(9):
        assert first.acquire() == 0
    waited = second.acquire()
    assert waited > 0  # the 10th request of the window had to wait for the other "process"
    assert first.usage()[0] <= first.limit == 9


def test_block_after_a_rate_limit_pauses_every_user_of_the_cache(clock):
    cache = _cache()
    clock.now = 1_699_999_980.0 + 20  # 20 s into a minute
    a, b = _limiter(clock, cache), _limiter(clock, cache)
    assert a.block() == 40.0
    assert b.acquire() == pytest.approx(40.0)


def test_gives_up_with_rate_limited_only_after_max_wait(clock):
    limiter = _limiter(clock, per_window=2, max_wait=5.0)
    limiter.block(3600)
    with pytest.raises(RateLimited):
        limiter.acquire()


def test_a_broken_cache_does_not_stop_calls(clock, caplog):
    class Broken:
        def get_many(self, keys):
            raise ConnectionError("redis down")

    limiter = RateLimiter("test", 10, cache=Broken(), clock=clock.time, sleep=clock.sleep)
    assert limiter.acquire() == 0
    assert "proceeding unthrottled" in caplog.text


def test_warns_when_the_cache_would_cull_slots(clock, caplog):
    caplog.set_level(logging.WARNING)
    _limiter(clock, _cache(max_entries=300), per_window=500).acquire()
    assert "MAX_ENTRIES" in caplog.text


def test_usage_counts_the_last_window(clock):
    limiter = _limiter(clock, per_window=50)
    for _ in range(7):
        limiter.acquire()
    assert limiter.usage() == (7, 45)
    clock.now += 61 + limiter.bucket_len
    assert limiter.usage() == (0, 45)


def test_transport_waits_on_the_limiter_and_blocks_it_after_minus_7(mocked, skinsback, clock):
    limiter = _limiter(clock, per_window=100)
    clock.now = 1_699_999_980.0 + 50  # 10 s left in the minute
    mocked.post(SB_URL, json={"status": "error", "error_code": -7, "error_message": "request_limit_reached"})
    mocked.post(SB_URL, json={"status": "success", "balance": "3"})
    assert skinsback(limiter=limiter).balance().amount == Decimal("3")
    assert sum(clock.sleeps) == pytest.approx(10.0)
