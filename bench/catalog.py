"""Catalog import: a 100,000-item price list from the sandbox; prints import time and peak memory.

Goals: under 30 s and under 300 MB peak. The sandbox runs in its own process, so the memory figure is the
importer's alone (peak resident set size of this process, Django included).
"""

from __future__ import annotations

import os
import resource
import time

from _setup import SandboxProcess, django_on_scratch_db

SIZE = int(os.environ.get("BENCH_CATALOG_SIZE", "100000"))


def main() -> None:
    django_on_scratch_db("catalog")
    from purchases.models import Item
    from purchases.services.catalog import catalog_sync

    sandbox = SandboxProcess()
    try:
        sandbox.point_settings()
        sandbox.control("POST", "pricelist", {"provider": "skinsback", "game": "cs2", "size": SIZE})
        baseline = _peak_mb()
        started = time.perf_counter()
        report = catalog_sync(provider="skinsback", game="cs2")
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = catalog_sync(provider="skinsback", game="cs2")
        second = time.perf_counter() - started
        print(f"catalog import: {report.seen:,} items in {first:.1f} s (goal < 30 s): {report.summary()}")
        print(f"re-import (unchanged list): {second:.1f} s: {again.summary()}")
        print(
            f"peak memory: {_peak_mb():.0f} MB resident (goal < 300 MB; {baseline:.0f} MB before the import)"
        )
        print(f"items in the catalog: {Item.objects.count():,}")
    finally:
        sandbox.stop()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
