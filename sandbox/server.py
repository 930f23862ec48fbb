"""Serving the sandbox: a threaded wsgiref server, `serve()` (blocking) and `SandboxServer` (background)."""

from __future__ import annotations

import socketserver
import sys
import threading
from types import TracebackType
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from .app import make_app
from .state import SandboxState
from .web import DropConnection


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True


class _Handler(ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            return  # answer nothing; the server closes the socket
        super().handle_error()


class QuietRequestHandler(WSGIRequestHandler):
    """One request per connection (HTTP/1.0), no access log, Nagle off, and support for dropped answers."""

    disable_nagle_algorithm = True
    verbose = False

    def log_message(self, format: str, *args: Any) -> None:
        if self.verbose:
            super().log_message(format, *args)

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())


def make_server(host: str, port: int, state: SandboxState, *, verbose: bool = False) -> ThreadingWSGIServer:
    handler = type("RequestHandler", (QuietRequestHandler,), {"verbose": verbose})
    server = ThreadingWSGIServer((host, port), handler)
    server.set_app(make_app(state))
    return server


def serve(
    host: str = "127.0.0.1", port: int = 8765, *, state: SandboxState | None = None, verbose: bool = False
) -> None:
    """Serve until interrupted (Ctrl-C), with the webhook ticker running."""
    state = state or SandboxState()
    server = make_server(host, port, state, verbose=verbose)
    state.start_background()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        state.stop_background()
        server.server_close()


class SandboxServer:
    """`with SandboxServer(port=0, seed=1, speed=1.0) as sb:` runs the sandbox in a background thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state: SandboxState | None = None,
        verbose: bool = False,
        **state_options: Any,
    ) -> None:
        self.state = state or SandboxState(**state_options)
        self._server = make_server(host, port, self.state, verbose=verbose)
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def skinsback_url(self) -> str:
        return self.url + "/skinsback/api.php"

    @property
    def skinify_url(self) -> str:
        return self.url + "/skinify/api/"

    @property
    def control_url(self) -> str:
        return self.url + "/_sandbox/"

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"sandbox-{self.port}",
                daemon=True,
            )
            self._thread.start()
            self.state.start_background()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
            self.state.stop_background()
        self._server.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
