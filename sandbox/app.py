"""The sandbox WSGI application: routes /skinsback/api.php, /skinify/api/* and /_sandbox/*.

Public API: `SandboxState`, `make_app(state)`, and the credentials the sandbox accepts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from . import control, skinify, skinsback
from .config import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_SKINIFY_TOKEN
from .state import SandboxState
from .web import DropConnection, Request, Response, json_response

__all__ = [
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_SKINIFY_TOKEN",
    "DropConnection",
    "SandboxState",
    "make_app",
]
log = logging.getLogger(__name__)
SKINSBACK_PATH = "/skinsback/api.php"
SKINIFY_PREFIX = "/skinify/api/"
CONTROL_PREFIX = "/_sandbox"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_app(state: SandboxState) -> WSGIApp:
    """A WSGI callable serving both providers and the control API from `state`."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            response = route(state, Request.from_environ(environ))
        except DropConnection:
            raise
        except Exception as exc:  # a sandbox bug must still answer, and say what happened
            log.exception("sandbox error")
            response = json_response({"error": f"sandbox internal error: {exc!r}"}, 500)
        return response.send(start_response)

    return app


def route(state: SandboxState, req: Request) -> Response:
    path = req.path
    if path.rstrip("/") == SKINSBACK_PATH:
        return skinsback.handle(state, req)
    if path.startswith(SKINIFY_PREFIX):
        return skinify.handle(state, req, path[len(SKINIFY_PREFIX) :])
    if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
        return control.handle(state, req, path[len(CONTROL_PREFIX) :])
    if path == "/":
        return json_response(
            {"skinsback": SKINSBACK_PATH, "skinify": SKINIFY_PREFIX, "control": CONTROL_PREFIX + "/"}
        )
    return json_response({"error": "not_found"}, 404)
