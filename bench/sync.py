"""Status sync of 10,000 open purchases against the sandbox, and a naive one-request-per-purchase loop.

Prints the number of status requests, the wall time, and the same for the naive loop (measured on a
sample with the rate limit lifted, then scaled), as a ratio. Goal: at most ceil(N/100) requests, < 10 s.
"""

from __future__ import annotations

import math
import os
import time

from _setup import SandboxProcess, django_on_scratch_db

N = int(os.environ.get("BENCH_SYNC_N", "10000"))
NAIVE_SAMPLE = int(os.environ.get("BENCH_SYNC_NAIVE_SAMPLE", "500"))


def main() -> None:
    django_on_scratch_db("sync")
    from django.conf import settings
    from django.utils import timezone

    from purchases.models import Purchase, SteamUser
    from purchases.providers import get_provider
    from purchases.services import purchases_sync

    sandbox = SandboxProcess()
    try:
        sandbox.point_settings()
        created = sandbox.control(
            "POST", "purchases", {"provider": "skinsback", "count": N, "prefix": "bench-"}
        )
        user = SteamUser.objects.create(steam_id="76561198050648523")
        Purchase.objects.bulk_create(
            (
                Purchase(
                    provider="skinsback",
                    custom_id=c,
                    buy_id=str(b),
                    steam_user=user,
                    item_name="bench",
                    max_price=1,
                    state="in_progress",
                    sent_at=timezone.now(),
                )
                for c, b in zip(created["custom_ids"], created["buy_ids"], strict=True)
            ),
            batch_size=2000,
        )
        _analyze()  # a production table has statistics; a bulk-loaded one has none until autovacuum runs
        before = _getinfo_requests(sandbox)
        started = time.perf_counter()
        report = _profiled(purchases_sync) if os.environ.get("BENCH_PROFILE") else purchases_sync()
        batched = time.perf_counter() - started
        requests = _getinfo_requests(sandbox) - before
        goal = math.ceil(N / 100)
        print(
            f"batched sync: {report.refreshed:,} open purchases, {requests} status requests (goal ≤ {goal}),"
        )
        print(f"  {batched:.2f} s (goal < 10 s; < 5 s on PostgreSQL), {len(report.changes):,} changed")

        # the naive loop: one market_getinfo per purchase, rate limits lifted so it can be measured at all
        sandbox.control("POST", "config", {"rate_limit": 1_000_000})
        settings.PROVIDER_RATE_LIMITS = {"skinsback": 0, "skinify": 0}
        client = get_provider("skinsback")
        sample = list(Purchase.objects.values_list("buy_id", flat=True)[:NAIVE_SAMPLE])
        started = time.perf_counter()
        for buy_id in sample:
            client.get_purchases(buy_ids=[buy_id])
        naive = (time.perf_counter() - started) * N / len(sample)
        print(
            f"naive loop: {N:,} status requests, {naive:.1f} s (measured on {len(sample)}, scaled); "
            f"under the 500/min limit it would take at least {N / 500:.0f} minutes"
        )
        print(f"ratio: {N / max(requests, 1):.0f}x fewer requests, {naive / batched:.1f}x faster")
    finally:
        sandbox.stop()


def _profiled(function):
    import cProfile
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(function)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    return result


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE purchases_purchase")


def _getinfo_requests(sandbox: SandboxProcess) -> int:
    return int(sandbox.control("GET", "counters")["requests"].get("market_getinfo", 0))


if __name__ == "__main__":
    main()
