"""Two processes share one SkinsBack rate limit through a database cache: the sandbox, which enforces
a sliding-window limit, never has to refuse a request. Shortened: a 2 s window instead of a minute."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sandbox_server = pytest.importorskip("sandbox.server")

WORKER = Path(__file__).with_name("ratelimit_worker.py")
WINDOW = 2.0
LIMIT = 30  # per WINDOW, at the sandbox and in our limiter (which keeps 10 % below it)
PER_PROCESS = 40


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the worker configures its own minimal settings
    return env


def _workers(db: Path, url: str, per_window: int, processes: int) -> list[list[str]]:
    args = [str(WINDOW), str(PER_PROCESS)]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(db), url, str(per_window), *args],
            stdout=subprocess.PIPE,
            env=_env(),
            text=True,
        )
        for _ in range(processes)
    ]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    return [json.loads(out) for out in outputs]


@pytest.fixture
def sandbox(monkeypatch):
    monkeypatch.setattr("sandbox.counters.RATE_WINDOW_SECONDS", WINDOW)  # the sandbox's sliding window
    with sandbox_server.SandboxServer(port=0, seed=1, rate_limit=LIMIT) as sb:
        yield sb


@pytest.fixture
def shared_db(tmp_path) -> Path:
    db = tmp_path / "cache.sqlite3"
    subprocess.run([sys.executable, str(WORKER), str(db), "setup"], check=True, env=_env())
    return db


def test_two_processes_never_exceed_the_limit(sandbox, shared_db):
    started = time.monotonic()
    outcomes = _workers(shared_db, sandbox.skinsback_url, LIMIT, processes=2)
    elapsed = time.monotonic() - started
    counters = sandbox.state.counters
    assert [o for run in outcomes for o in run] == ["ok"] * (2 * PER_PROCESS)
    assert counters.requests["balance"] == 2 * PER_PROCESS
    assert counters.rate_limited["skinsback"] == 0  # the sandbox never had to refuse one
    assert elapsed > 2 * WINDOW  # 80 requests at 27 per window: the limiter made them wait


def test_without_the_limiter_the_sandbox_does_refuse(sandbox, shared_db):
    """The control: the same load unthrottled is refused, so the test above proves something."""
    outcomes = _workers(shared_db, sandbox.skinsback_url, 0, processes=2)
    assert "RateLimited" in {o for run in outcomes for o in run}
    assert sandbox.state.counters.rate_limited["skinsback"] > 0
