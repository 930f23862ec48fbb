"""Processes for the distributed tests: a scratch database every process shares, the driver script, and
`manage.py qcluster` subprocesses on the Redis broker. Nothing here uses pytest-django's test database:
the clusters are separate processes, so they need a real database under a name they can open."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[3]
DRIVER = Path(__file__).with_name("driver.py")
SETTINGS = "tests.integration.distributed.q_settings"
T = TypeVar("T")


def redis_reachable(url: str) -> str | None:
    """None when a Redis server answers at `url`, else why not."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        return (
            f"no Redis server at {url} ({type(exc).__name__}): start one with `redis-server --daemonize yes`"
        )
    return None


@contextmanager
def scratch_database(tmp: Path) -> Iterator[str]:
    """A DATABASE_URL of an empty database: a PostgreSQL one when the run is on PostgreSQL, else SQLite."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp / 'distributed.sqlite3'}"
        return
    import psycopg

    name = f"backoffice_distributed_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    parts = urlsplit(base)
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))  # libpq takes both schemes
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def process_env(database_url: str, redis_url: str, queue: str, sandbox_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        PYTHONPATH=str(ROOT),
        TESTING="false",  # a real broker, not django-q2's sync mode
        DEBUG="True",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DISTRIBUTED_Q_NAME=queue,
        SKINSBACK_API_URL=f"{sandbox_url}/skinsback/api.php",
        SKINSBACK_CLIENT_ID="sandbox",
        SKINSBACK_CLIENT_SECRET="sandbox-secret",
        SKINSBACK_WEBHOOK_SECRET="",
        SKINIFY_API_URL=f"{sandbox_url}/skinify/api/",
        SKINIFY_TOKEN="sandbox-token",
        Q_WORKERS="2",
    )
    return env


class Driver:
    """Runs driver.py in a subprocess with the clusters' environment and returns its JSON answer."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, command: str, *args: Any, stdin: Any = None) -> Any:
        result = subprocess.run(
            [sys.executable, str(DRIVER), command, *map(str, args)],
            cwd=ROOT,
            env=self.env,
            input=json.dumps(stdin) if stdin is not None else None,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"driver {command} failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])


class Cluster:
    """`manage.py qcluster` in its own process group, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def running(self) -> bool:
        return " running." in self.text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own group: only what we started
                self.process.wait(timeout=10)


def wait_for(check: Callable[[], T], *, timeout: float, interval: float = 0.3, what: str = "") -> T:
    """Call `check` until it returns something truthy; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or check}")
        time.sleep(interval)


def purge_queue(redis_url: str, queue: str) -> None:
    import redis

    connection = redis.Redis.from_url(redis_url)
    keys = list(connection.scan_iter(f"django_q:{queue}:*"))
    if keys:
        connection.delete(*keys)
