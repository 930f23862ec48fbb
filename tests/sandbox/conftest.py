"""Fixtures for the sandbox tests: a live SandboxServer per test and small request helpers. No database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandbox.app import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_SKINIFY_TOKEN, SandboxState
from sandbox.server import SandboxServer

HEADERS = {"X-CLIENT-ID": SANDBOX_CLIENT_ID, "X-CLIENT-SECRET": SANDBOX_CLIENT_SECRET}
SKINIFY_HEADERS = {"Token": SANDBOX_SKINIFY_TOKEN}
PARTNER, TOKEN = "90078795", "AbCd1234"


@pytest.fixture
def sb() -> Iterator[SandboxServer]:
    with SandboxServer(port=0, seed=1, speed=1.0) as server:
        yield server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # loopback only, never through a proxy from the environment
        yield session


@pytest.fixture
def call(sb: SandboxServer, http: requests.Session) -> Callable[..., dict[str, Any]]:
    """call(method=..., **params) -> JSON answer of SkinsBack, header auth, JSON body."""

    def _call(**params: Any) -> dict[str, Any]:
        response = http.post(sb.skinsback_url, json=params, headers=HEADERS, timeout=10)
        assert response.status_code == 200
        return response.json()

    return _call


@pytest.fixture
def skinify(sb: SandboxServer, http: requests.Session) -> Callable[..., requests.Response]:
    """skinify("GET"|"POST", "withdraw/info", **params) with the Token header."""

    def _skinify(verb: str, endpoint: str, **params: Any) -> requests.Response:
        url = sb.skinify_url + endpoint
        if verb == "GET":
            return http.get(url, params=params, headers=SKINIFY_HEADERS, timeout=10)
        return http.post(url, data=params, headers=SKINIFY_HEADERS, timeout=10)

    return _skinify


def custom_id_with(state: SandboxState, outcome: str, provider: str = "skinsback", prefix: str = "t") -> str:
    """The first custom_id `<prefix>-<n>` whose scripted outcome is `outcome`."""
    for n in range(10_000):
        candidate = f"{prefix}-{outcome}-{n}"
        if state.outcome_for(candidate, provider) == outcome:
            return candidate
    raise AssertionError(f"no custom_id with outcome {outcome}")


def buy_params(custom_id: str, item_id: int = 10_000_001, max_price: str = "1000") -> dict[str, Any]:
    return {
        "method": "market_buy",
        "partner": PARTNER,
        "token": TOKEN,
        "id": item_id,
        "max_price": max_price,
        "custom_id": custom_id,
    }


def batch_params(*custom_ids: str, first_item: int = 10_000_001) -> dict[str, Any]:
    """A market_batch_buy of consecutive listings from `first_item`, one per custom_id."""
    items = [{"id": first_item + n, "max_price": "1000", "custom_id": c} for n, c in enumerate(custom_ids)]
    return {"method": "market_batch_buy", "partner": PARTNER, "token": TOKEN, "items": items}


def skinify_buy_params(custom_id: str) -> dict[str, Any]:
    """A Skinify withdraw/buy of listing 80000003."""
    return {"partner": PARTNER, "token": TOKEN, "id": "80000003", "max_price": "20", "custom_id": custom_id}


def add_fault(sb: SandboxServer, **rule: object) -> requests.Response:
    """A fault rule added through the control API (POST /_sandbox/faults)."""
    return requests.post(sb.url + "/_sandbox/faults", json=rule, timeout=5)


def counters(sb: SandboxServer) -> dict[str, Any]:
    return requests.get(sb.url + "/_sandbox/counters", timeout=5).json()
