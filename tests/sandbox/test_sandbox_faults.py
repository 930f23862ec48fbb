"""Injected faults and rate limits."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests

from sandbox.server import SandboxServer

from .conftest import HEADERS, buy_params


def post(sb: SandboxServer, http: requests.Session, params: dict, timeout: float = 5) -> requests.Response:
    return http.post(sb.skinsback_url, json=params, headers=HEADERS, timeout=timeout)


def test_timeout_after_record_drops_the_answer_but_records_the_buy(
    sb: SandboxServer, http: requests.Session, call: Callable[..., dict]
) -> None:
    sb.state.inject("market_buy", "timeout_after_record", times=1)
    with pytest.raises(requests.ConnectionError):
        post(sb, http, buy_params("lost-1"))
    assert sb.state.buys_recorded["lost-1"] == 1
    assert [x["custom_id"] for x in call(method="market_getinfo", custom_ids=["lost-1"])["items"]] == [
        "lost-1"
    ]
    retry = call(**buy_params("lost-1"))
    assert retry["error_code"] == 7
    assert (sb.state.buys_recorded["lost-1"], sb.state.buy_attempts["lost-1"]) == (1, 2)


def test_timeout_after_record_with_latency_outlives_the_client_timeout(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.state.inject("market_buy", "timeout_after_record", times=1, latency=2.0)
    with pytest.raises(requests.ReadTimeout):
        post(sb, http, buy_params("slow-1"), timeout=0.3)
    assert sb.state.get_purchase("slow-1") is not None


def test_http_500_does_not_perform_the_request(sb: SandboxServer, http: requests.Session) -> None:
    sb.state.inject("market_buy", "http_500", times=1)
    response = post(sb, http, buy_params("five-1"))
    assert response.status_code == 500
    assert "text/html" in response.headers["Content-Type"]
    assert sb.state.get_purchase("five-1") is None
    assert post(sb, http, buy_params("five-1")).json()["status"] == "success"


def test_garbled_answers(sb: SandboxServer, http: requests.Session) -> None:
    sb.state.inject("market_buy", "garbled", times=1)
    sb.state.inject("market_buy", "garbled_html", times=1)
    truncated = post(sb, http, buy_params("g-1"))
    assert truncated.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.text)
    html = post(sb, http, buy_params("g-2"))
    assert html.status_code == 200 and html.text.startswith("<html>")
    assert sb.state.buys_recorded == {"g-1": 1, "g-2": 1}


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("error_-6", -6, "market_disabled"),
        ("error_-7", -7, "request_limit_reached"),
        ("error_-9", -9, "under_maintenance"),
    ],
)
def test_injected_error_codes(
    sb: SandboxServer, call: Callable[..., dict], kind: str, code: int, message: str
) -> None:
    sb.state.inject("market_getinfo", kind, times=2)
    for _ in range(2):
        assert call(method="market_getinfo", buy_id=1) == {
            "status": "error",
            "error_code": code,
            "error_message": message,
        }
    assert call(method="market_getinfo", buy_id=1)["error_code"] == 2
    assert call(method="balance")["status"] == "success"


def test_fault_rate_is_seeded_and_clear_faults(sb: SandboxServer, call: Callable[..., dict]) -> None:
    sb.state.inject("status", "error_-9", rate=0.5)
    answers = [call(method="status").get("error_code") for _ in range(40)]
    assert 5 < answers.count(-9) < 35
    sb.state.clear_faults()
    assert call(method="status") == {"status": "success", "available": True}


def test_latency(sb: SandboxServer, http: requests.Session) -> None:
    sb.state.inject("status", "latency", latency=1.0)
    with pytest.raises(requests.ReadTimeout):
        post(sb, http, {"method": "status"}, timeout=0.2)


def test_faults_over_the_control_api(
    sb: SandboxServer, http: requests.Session, call: Callable[..., dict]
) -> None:
    response = http.post(
        sb.url + "/_sandbox/faults", json={"method": "balance", "kind": "error_-7", "times": 1}
    )
    assert response.status_code == 200
    assert call(method="balance")["error_code"] == -7
    assert call(method="balance")["status"] == "success"
    http.post(sb.url + "/_sandbox/faults", json={"method": "balance", "kind": "http_500"})
    http.delete(sb.url + "/_sandbox/faults")
    assert call(method="balance")["status"] == "success"
    bad = http.post(sb.url + "/_sandbox/faults", json={"method": "balance", "kind": "explode"})
    assert bad.status_code == 400


def test_rate_limit_after_500_requests(sb: SandboxServer, call: Callable[..., dict]) -> None:
    for _ in range(500):
        assert call(method="status")["status"] == "success"
    assert call(method="status") == {
        "status": "error",
        "error_code": -7,
        "error_message": "request_limit_reached",
    }
    counters = sb.state.counters_json()
    assert counters["requests"]["status"] == 501
    assert counters["rate_limited"] == {"skinsback": 1}
    assert sum(counters["provider_requests_per_minute"]["skinsback"].values()) == 501


def test_skinify_rate_limit_and_faults(sb: SandboxServer, skinify: Callable[..., requests.Response]) -> None:
    sb.state.skinify_rate_limit = 3
    assert [skinify("GET", "project-balance").status_code for _ in range(3)] == [200] * 3
    limited = skinify("GET", "project-balance")
    assert (limited.status_code, limited.json()) == (
        429,
        {"status": "error", "error_message": "request_limit_exceeded"},
    )
    sb.state.reset()
    sb.state.inject("withdraw/info", "error_-9", times=1)
    assert skinify("GET", "withdraw/info", custom_ids="x").json()["error_message"] == "under_maintenance"
