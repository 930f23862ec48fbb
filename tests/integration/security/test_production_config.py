"""Deployment with production values: hashed and compressed static files, JSON log lines, `/healthz`."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from purchases.logging import JsonFormatter
from tests.factories import make_purchase

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "DEBUG": "False",
    "TESTING": "false",
    "SECRET_KEY": "x" * 20 + "-production-key-with-plenty-of-entropy-7f3a9c1e5b",
    "ALLOWED_HOSTS": "backoffice.example.com",
    "SKINSBACK_API_URL": "https://skinsback.com/api.php",
    "SKINIFY_API_URL": "https://skinify.io/api/",
}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    full.update(PRODUCTION, DJANGO_SETTINGS_MODULE="backoffice.settings", **env)
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def test_collectstatic_then_gunicorn_serves_hashed_compressed_files(tmp_path):
    static_root = tmp_path / "static"
    env = {"STATIC_ROOT": str(static_root), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    _run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], **env)
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["admin/css/base.css"]
    assert hashed != "admin/css/base.css" and (static_root / hashed).is_file()
    assert (static_root / f"{hashed}.gz").is_file()  # whitenoise serves the compressed copy
    own = [name for name in manifest if not name.startswith(("admin/", "django_q/"))]
    assert own and all((static_root / manifest[name]).is_file() for name in own)  # our static/ too
    with _gunicorn(tmp_path, **env) as get:
        page = get("/admin/login/").read().decode()
        assert f"/static/{hashed}" in page and "/static/admin/css/base.css" not in page
        static = get(f"/static/{hashed}", {"Accept-Encoding": "gzip"})
        assert static.headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in static.headers["Cache-Control"]  # hashed: cached for good
        assert json.loads(get("/healthz").read())["database"] is True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _gunicorn(tmp_path: Path, **env: str) -> Iterator[Callable]:
    """The README's web command on a free port, with production values; yields a GET function."""
    port = _free_port()
    full = {**os.environ, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "backoffice.settings", **env}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "backoffice.wsgi",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
    ]
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(command, cwd=ROOT, env=full, stdout=log, stderr=subprocess.STDOUT)

    def get(path: str, headers: dict | None = None):
        # the TLS proxy's headers: the host name we serve, and https (else the SSL redirect answers)
        base = {"Host": "backoffice.example.com", "X-Forwarded-Proto": "https", **(headers or {})}
        return urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=base))

    try:
        _wait_until_up(get)
        yield get
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait_until_up(get: Callable, attempts: int = 150) -> None:
    for _ in range(attempts):
        try:
            get("/healthz")
            return
        except OSError:
            time.sleep(0.1)


def test_production_logs_are_json_lines_with_timestamp_level_logger_message(tmp_path):
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('purchases.providers').info('skinsback %s %dms %s', 'balance', 12, 'ok')"
    )
    result = _run(["-c", code], DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    [line] = [line for line in result.stderr.splitlines() if "purchases.providers" in line]
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "purchases.providers"
    assert record["message"] == "skinsback balance 12ms ok"
    assert record["timestamp"].endswith("+00:00")


def test_the_json_formatter_keeps_extra_fields_and_exceptions():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "failed %s",
            ("once",),
            sys.exc_info(),
            extra={"custom_id": "bo-1"},
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "failed once" and data["custom_id"] == "bo-1"
    assert "ValueError: boom" in data["exception"]


@pytest.mark.django_db
def test_one_log_line_per_provider_call_with_method_duration_outcome(sandbox, caplog):
    from purchases.providers import get_provider

    caplog.set_level(logging.INFO, logger="purchases.providers")
    get_provider("skinsback").balance()
    [record] = [r for r in caplog.records if r.name == "purchases.providers"]
    message = json.loads(JsonFormatter().format(record))["message"]
    assert message.startswith("skinsback balance ") and message.endswith("ms ok")
    assert "sandbox-secret" not in message


# ------------------------------------------------------------------------------------------- healthz


def _sync_task(minutes_ago: float, result: dict | None = None) -> None:
    from django_q.models import Task

    stopped = timezone.now() - timedelta(minutes=minutes_ago)
    Task.objects.create(
        id=uuid.uuid4().hex,
        name="sync",
        func="purchases.tasks.sync_open_purchases",
        started=stopped,
        stopped=stopped,
        success=True,
        result=result or {"refreshed": 0, "paused": {}},
    )


@pytest.mark.django_db
def test_healthz_is_idle_without_open_purchases(client):
    make_purchase(state="delivered")
    body = client.get("/healthz").json()
    assert body == {**body, "status": "ok", "database": True, "sync": "idle", "open_purchases": False}


@pytest.mark.django_db
def test_healthz_says_stale_when_no_sync_ran_for_open_purchases_but_stays_200(client):
    make_purchase(state="in_progress", last_synced_at=timezone.now() - timedelta(minutes=30))
    _sync_task(minutes_ago=6)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["sync"] == "stale" and response.json()["open_purchases"] is True


@pytest.mark.django_db
def test_healthz_is_ok_after_a_recent_sync_task_and_reports_pauses(client):
    make_purchase(state="on_hold", last_synced_at=timezone.now() - timedelta(minutes=14))
    _sync_task(minutes_ago=1, result={"refreshed": 0, "paused": {"skinsback": "RateLimited: -7"}})
    body = client.get("/healthz").json()
    assert body["sync"] == "ok" and body["paused"] == {"skinsback": "RateLimited: -7"}
    assert body["last_sync"].startswith(str(timezone.now().date()))


@pytest.mark.django_db
def test_healthz_counts_a_sync_run_from_cron_too(client):
    make_purchase(state="unconfirmed", last_synced_at=timezone.now() - timedelta(minutes=2))
    assert client.get("/healthz").json()["sync"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_only_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import OperationalError

    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": False}
