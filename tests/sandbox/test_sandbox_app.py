"""The WSGI app called directly, the control API, the clock, and the run_sandbox guard."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests

from sandbox.app import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SandboxState, make_app
from sandbox.clock import SandboxClock
from sandbox.server import SandboxServer
from sandbox.web import DropConnection

from .conftest import buy_params


def wsgi_call(
    app: Any, method: str, path: str, body: dict | None = None, headers: dict | None = None
) -> tuple:
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()})
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list) -> None:
        captured.update(status=status, headers=dict(response_headers))

    payload = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], json.loads(payload)


def test_wsgi_app_directly() -> None:
    state = SandboxState(seed=7)
    app = make_app(state)
    auth = {"X-Client-Id": SANDBOX_CLIENT_ID, "X-Client-Secret": SANDBOX_CLIENT_SECRET}
    status, headers, answer = wsgi_call(app, "POST", "/skinsback/api.php", buy_params("direct-1"), auth)
    assert status == "200 OK" and headers["Content-Type"] == "application/json"
    assert answer["offer_status"] == "creating_trade"
    assert state.buys_recorded["direct-1"] == 1
    _, _, counters = wsgi_call(app, "GET", "/_sandbox/counters")
    assert counters["requests"] == {"market_buy": 1}
    assert set(counters) >= {"requests", "requests_per_minute", "buys_recorded", "buy_attempts"}
    status, _, _ = wsgi_call(app, "GET", "/nowhere")
    assert status == "404 Not Found"
    state.inject("market_buy", "timeout_after_record")
    with pytest.raises(DropConnection):
        wsgi_call(app, "POST", "/skinsback/api.php", buy_params("direct-2"), auth)
    assert state.get_purchase("direct-2") is not None


def test_control_api(sb: SandboxServer, http: requests.Session) -> None:
    control = sb.url + "/_sandbox"
    created = http.post(
        control + "/purchases", json={"provider": "skinsback", "custom_ids": ["c-1", "c-2"]}
    ).json()
    assert len(created["buy_ids"]) == 2 and created["custom_ids"] == ["c-1", "c-2"]
    again = http.post(control + "/purchases", json={"provider": "skinsback", "custom_ids": ["c-1"]})
    assert again.status_code == 400
    detail = http.get(control + "/purchases/c-1").json()
    assert (detail["buy_id"], detail["status"], detail["view"]["offer_status"]) == (
        created["buy_ids"][0],
        "creating_trade",
        "creating_trade",
    )
    assert http.get(control + "/purchases/nope").status_code == 404
    before = sb.state.now()
    assert http.post(control + "/advance", json={"seconds": 100}).json()["now"] >= before + 100
    assert http.get(control + "/purchases/c-1").json()["open"] is False
    http.post(control + "/pricelist", json={"provider": "skinsback", "game": "rust", "size": 5})
    config = http.post(control + "/config", json={"rate_limit": 50, "skinify_rate_limit": 20}).json()
    assert (config["rate_limit"], config["skinify_rate_limit"]) == (50, 20)
    reset = http.post(control + "/reset", json={"seed": 3, "speed": 2, "balance": "50.00"}).json()
    assert (reset["seed"], reset["speed"], reset["balances"]["skinsback"], reset["purchases"]) == (
        3,
        2.0,
        "50.00",
        {"skinsback": 0, "skinify": 0},
    )
    assert reset["rate_limit"] == 500
    assert http.get(control + "/counters").json()["buys_recorded"] == {}
    assert http.post(control + "/nothing").status_code == 404


def test_clock_speed_and_advance() -> None:
    clock = SandboxClock(speed=1000)
    first = clock.now()
    clock.advance(60)
    assert clock.now() - first >= 60
    clock.set_speed(1)
    assert clock.speed == 1.0
    with pytest.raises(ValueError):
        SandboxClock(speed=0)


def test_sandbox_server_urls() -> None:
    with SandboxServer(port=0) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.skinsback_url == server.url + "/skinsback/api.php"
        assert server.skinify_url == server.url + "/skinify/api/"
        assert requests.get(server.url + "/_sandbox/", timeout=5).json()["seed"] == 1


def test_run_sandbox_refuses_production_settings() -> None:
    from django.core.management.base import CommandError

    from sandbox.management.commands.run_sandbox import check_allowed

    with pytest.raises(CommandError):
        check_allowed(debug=False, allow_production=False)
    check_allowed(debug=False, allow_production=True)
    check_allowed(debug=True, allow_production=False)
