"""Shared set-up of the benchmarks: Django on a scratch database, and a sandbox in its own process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def django_on_scratch_db(name: str) -> None:
    """Configure Django on a fresh SQLite file (or on DATABASE_URL when the caller set one) and migrate."""
    if "DATABASE_URL" not in os.environ:
        path = Path(tempfile.gettempdir()) / f"bench-{name}-{os.getpid()}.sqlite3"
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ.setdefault("TESTING", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    call_command("flush", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxProcess:
    """`manage.py run_sandbox` in a child process, so its memory and CPU are not counted as ours."""

    def __init__(self, *, speed: float = 0.001) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DEBUG": "True", "TESTING": "false"}
        command = [
            sys.executable,
            "manage.py",
            "run_sandbox",
            "--port",
            str(self.port),
            "--speed",
            str(speed),
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.control("GET", "counters")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the sandbox did not start")

    def control(self, method: str, path: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.url}/_sandbox/{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read() or b"{}")

    def point_settings(self) -> None:
        from django.conf import settings

        settings.SKINSBACK_API_URL = f"{self.url}/skinsback/api.php"
        settings.SKINIFY_API_URL = f"{self.url}/skinify/api/"
        settings.SKINSBACK_CLIENT_ID, settings.SKINSBACK_CLIENT_SECRET = "sandbox", "sandbox-secret"
        settings.SKINIFY_TOKEN = "sandbox-token"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
