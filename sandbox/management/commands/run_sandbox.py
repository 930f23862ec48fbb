"""`python manage.py run_sandbox`: the provider sandbox on 127.0.0.1:8765 until Ctrl-C (development only)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.app import SandboxState
from sandbox.server import make_server


def check_allowed(debug: bool, allow_production: bool) -> None:
    """The sandbox never runs under production settings unless explicitly forced."""
    if not debug and not allow_production:
        raise CommandError(
            "Refusing to start the sandbox with DEBUG=False; pass --allow-production to override."
        )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM (honcho, process managers) stop the server cleanly, even if SIGINT was ignored."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)


class Command(BaseCommand):
    help = "Run the stateful SkinsBack/Skinify emulator (development, demos, tests). Never in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--speed", type=float, default=1.0, help="clock speed: 10 makes trades 10x faster"
        )
        parser.add_argument("--balance", default="10000.00", help="starting balance of each provider (USD)")
        parser.add_argument(
            "--currency",
            default=getattr(settings, "SANDBOX_PROJECT_CURRENCY", "usd"),
            help="the project's own currency, which SkinsBack's balance answers in (default "
            "settings.SANDBOX_PROJECT_CURRENCY, usd); the USD figure is in balance_in_currencies",
        )
        parser.add_argument("--webhook-url", default=None, help="POST signed SkinsBack events here")
        parser.add_argument("--webhook-secret", default=None, help="defaults to the client secret")
        parser.add_argument("--verbose", action="store_true", help="log every request")
        parser.add_argument("--allow-production", action="store_true", help="start even when DEBUG is False")

    def handle(self, *args: Any, **options: Any) -> None:
        check_allowed(bool(settings.DEBUG), options["allow_production"])
        state = SandboxState(
            seed=options["seed"],
            speed=options["speed"],
            balance=options["balance"],
            webhook_url=options["webhook_url"],
            webhook_secret=options["webhook_secret"],
            project_currency=options["currency"],
        )
        try:
            server = make_server(options["host"], options["port"], state, verbose=options["verbose"])
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        self._banner(state, f"http://{options['host']}:{server.server_address[1]}")
        _stop_on_signals()
        state.start_background()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            self.stdout.write("Sandbox stopped.")
        finally:
            state.stop_background()
            server.server_close()

    def _banner(self, state: SandboxState, url: str) -> None:
        lines = [
            f"Provider sandbox at {url} (seed {state.seed}, speed {state.speed:g}x). Ctrl-C to stop.",
            f"  SkinsBack  {url}/skinsback/api.php   "
            f"client id {state.client_id!r}, secret {state.client_secret!r}",
            f"  Skinify    {url}/skinify/api/        Token {state.skinify_token!r}",
            f"  Control    {url}/_sandbox/           (reset, faults, counters, advance, force, config, ...)",
            f"  Webhooks   {state.webhook_url or 'off (--webhook-url)'}",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
