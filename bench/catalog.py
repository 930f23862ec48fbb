"""Catalog import: ours (`catalog_sync`, streamed and upserted) and a naive import side by side, in one run.

The naive import fetches the same sandbox price list with `requests`, `json.loads` the whole body and
`Item.objects.bulk_create`s every listing (batches of 2,000) into an emptied table. Ours imports the same list
into an emptied table, then once more unchanged (the re-import: every row already known).

Each run is a child process of its own (ours and naive interleaved, the order alternating, REPEATS times;
medians printed), so each memory figure is that import's alone: the peak resident set size of the process
during the import (Django included; the kernel's high-water mark is reset just before it, see
`_reset_peak`), and "before" its resident size just before. DEBUG is off as in production, so no query log
grows with the list. Time is wall-clock; the CPU time of the importing process is printed too
(steadier when other work shares the cores; it leaves out the PostgreSQL server's). The sandbox serves from a
process of its own. SQLite on a scratch file (removed at the end), or PostgreSQL when DATABASE_URL is set (the
items table is emptied before each run).

Goals: faster than the naive import, under 30 s and under 300 MB peak; memory flat (streamed).

    .venv/bin/python bench/catalog.py
    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/bench_cat .venv/bin/python bench/catalog.py
    BENCH_CATALOG_SIZE=20000 BENCH_CATALOG_REPEATS=5 .venv/bin/python bench/catalog.py
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from _setup import ROOT, SandboxProcess, django_on_scratch_db

SIZE = int(os.environ.get("BENCH_CATALOG_SIZE", "100000"))
REPEATS = int(os.environ.get("BENCH_CATALOG_REPEATS", "3"))
GAME = "cs2"
NAIVE_BATCH = 2000
# the importing processes run as in production: DEBUG off (no query log growing with the list)
PRODUCTION = {"DEBUG": "False", "TESTING": "false", "SECRET_KEY": "bench-" + secrets.token_hex(32)}


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3])
        return
    scratch = "DATABASE_URL" not in os.environ
    django_on_scratch_db("catalog")  # migrated once here; the children share the database
    from django.db import connection

    sandbox = SandboxProcess()
    try:
        sandbox.control("POST", "pricelist", {"provider": "skinsback", "game": GAME, "size": SIZE})
        runs: dict[str, list[dict]] = {"ours": [], "naive": []}
        for repeat in range(REPEATS):
            for side in ("ours", "naive") if repeat % 2 == 0 else ("naive", "ours"):
                runs[side].append(_run_child(side, sandbox.url))
                print(f"  run {repeat + 1} {side:5}: {_line(runs[side][-1])}", flush=True)
    finally:
        sandbox.stop()
        if scratch:
            _remove_sqlite(os.environ["DATABASE_URL"])
    ours, naive = runs["ours"], runs["naive"]
    print(
        f"catalog import of {ours[0]['listed']:,} listings on {connection.vendor}, "
        f"medians of {REPEATS} interleaved runs (ours, then naive, then naive, then ours, ...):"
    )
    for side, label in (("ours", "ours "), ("naive", "naive")):
        these = runs[side]
        print(
            f"  {label}: {_median(these, 'seconds'):.2f} s (cpu {_median(these, 'cpu'):.2f} s), "
            f"peak {_median(these, 'peak_mb'):.0f} MB ({_median(these, 'before_mb'):.0f} MB before, "
            f"+{_grown(these):.0f} MB), {_statements(these[-1]['statements'])}"
        )
    print(
        f"  ours / naive: {_median(ours, 'seconds') / _median(naive, 'seconds'):.2f}x the time, "
        f"{_grown(ours) / max(_grown(naive), 1):.2f}x the memory grown during the import"
    )
    print(f"  ours: {ours[-1]['summary']}")
    print(
        f"  re-import of the unchanged list (ours): {_median(ours, 'again_seconds'):.2f} s "
        f"(cpu {_median(ours, 'again_cpu'):.2f} s), peak {_median(ours, 'again_peak_mb'):.0f} MB, "
        f"{_statements(ours[-1]['again_statements'])}: "
        f"{ours[-1]['again_summary']}"
    )
    print("  goal: faster than naive, < 30 s, < 300 MB peak")


def _run_child(side: str, url: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", side, url],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION},  # os.environ now names the settings and the database
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {side} run failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(side: str, url: str) -> None:
    """One import in this fresh process; prints its figures as a JSON line."""
    import django

    django.setup()
    SandboxProcess.point_settings(SimpleNamespace(url=url))
    from purchases.models import Item
    from purchases.services.catalog import catalog_sync

    _empty_items()
    result: dict = {"side": side, "before_mb": _rss_mb()}
    _reset_peak()
    if side == "ours":
        report, result["seconds"], result["cpu"] = _timed(catalog_sync, provider="skinsback", game=GAME)
        result["peak_mb"] = _peak_mb()
        _reset_peak()
        again, result["again_seconds"], result["again_cpu"] = _timed(
            catalog_sync, provider="skinsback", game=GAME
        )
        result["again_peak_mb"] = _peak_mb()
        result.update(listed=report.seen, summary=report.summary(), again_summary=again.summary())
    else:
        result["listed"], result["seconds"], result["cpu"] = _timed(_naive_import)
        result["peak_mb"] = _peak_mb()
    result["statements"], result["again_statements"] = [*STATEMENTS, None][:2]
    result["rows"] = Item.objects.count()
    print(json.dumps(result))


def _timed(function, **kwargs) -> tuple:
    """(its value, wall seconds, CPU seconds of this process); counts the SQL statements it sent, all of them
    (with the transport's rate-limit cache and call record, BEGIN on SQLite) and those on the items table."""
    from django.db import connection

    from purchases.models import Item

    def count(execute, sql, params, many, context):
        STATEMENTS[-1][0] += 1
        STATEMENTS[-1][1] += Item._meta.db_table in sql
        return execute(sql, params, many, context)

    STATEMENTS.append([0, 0])
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        value = function(**kwargs)
    return value, time.perf_counter() - started, time.process_time() - cpu


STATEMENTS: list[list[int]] = []  # [all, on the items table] per _timed call


def _naive_import() -> int:
    """What one would write first: the whole body in memory, then bulk_create."""
    from decimal import Decimal

    import requests
    from django.utils import timezone

    from purchases.models import Item
    from purchases.providers import get_provider

    call = get_provider("skinsback")._call("market_pricelist", {"game": GAME, "full": 1})  # the same request
    response = requests.post(call.url, json=call.json, headers=call.headers, timeout=120)
    response.raise_for_status()
    body = json.loads(response.content)
    now = timezone.now()
    rows = [
        Item(
            provider="skinsback",
            provider_item_id=str(entry["id"]),
            name=entry["name"][:255],
            game=GAME,
            price=Decimal(str(entry["price"])),
            classid=str(entry.get("classid") or ""),
            instanceid=str(entry.get("instanceid") or ""),
            available=True,
            raw=entry,
            synced_at=now,
        )
        for entry in body["items"]
    ]
    Item.objects.bulk_create(rows, batch_size=NAIVE_BATCH)
    return len(rows)


def _empty_items() -> None:
    from django.db import connection

    from purchases.models import Item

    table = connection.ops.quote_name(Item._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table} CASCADE")  # a scratch database: no dead rows left behind
        else:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608  (the model's table)


def _line(run: dict) -> str:
    again = f", re-import {run['again_seconds']:.2f} s" if "again_seconds" in run else ""
    return (
        f"{run['seconds']:.2f} s (cpu {run['cpu']:.2f} s){again}, peak {run['peak_mb']:.0f} MB "
        f"({run['before_mb']:.0f} before), {_statements(run['statements'])}, {run['rows']:,} rows"
    )


def _statements(counts: list[int]) -> str:
    return f"{counts[0]} SQL statements ({counts[1]} on the items table)"


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _grown(runs: list[dict]) -> float:
    return statistics.median(run["peak_mb"] - run["before_mb"] for run in runs)


def _remove_sqlite(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


def _reset_peak() -> None:
    """Start the peak RSS anew (Linux: "5" to /proc/self/clear_refs resets VmHWM and ru_maxrss), so the
    peak is the import's and not Django's start-up; elsewhere the peak counts from the process start."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _rss_mb() -> float:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return _peak_mb()
    kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kb) / 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
