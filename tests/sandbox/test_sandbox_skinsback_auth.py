"""SkinsBack transport and auth: header auth, the legacy signature (form and JSON), -1/-2/-3/-5/-10."""

from __future__ import annotations

import requests

from sandbox.server import SandboxServer
from sandbox.signing import skinsback_sign

from .conftest import HEADERS


def signed(params: dict, secret: str = "sandbox-secret", shopid: str = "sandbox") -> dict:
    body = {**params, "shopid": shopid}
    return {**body, "sign": skinsback_sign(body, secret)}


def test_header_auth(sb: SandboxServer, http: requests.Session) -> None:
    answer = http.post(sb.skinsback_url, json={"method": "status"}, headers=HEADERS).json()
    assert answer == {"status": "success", "available": True}


def test_signature_auth_form_encoded(sb: SandboxServer, http: requests.Session) -> None:
    answer = http.post(sb.skinsback_url, data=signed({"method": "balance"})).json()
    assert answer["status"] == "success"
    assert answer["balance"] == "10000.00"


def test_signature_auth_json_with_arrays_left_unsigned(sb: SandboxServer, http: requests.Session) -> None:
    params = signed({"method": "market_getinfo", "custom_ids": ["nope-1", "nope-2"]})
    assert http.post(sb.skinsback_url, json=params).json() == {"status": "success", "items": []}


def test_signature_over_values_as_received(sb: SandboxServer, http: requests.Session) -> None:
    """A JSON number 8.50 arrives as 8.5: a sign computed over the string "8.50" no longer matches."""
    body = {
        "method": "market_search",
        "game": "cs2",
        "name": "Fracture Case",
        "shopid": "sandbox",
        "max": "8.50",
    }
    sign = skinsback_sign(body, "sandbox-secret")
    as_number = {**body, "max": 8.50, "sign": sign}
    assert http.post(sb.skinsback_url, json=as_number).json()["error_code"] == -3
    assert http.post(sb.skinsback_url, json={**body, "sign": sign}).json()["status"] == "success"


def test_wrong_signature_is_minus_3(sb: SandboxServer, http: requests.Session) -> None:
    params = signed({"method": "balance"}, secret="not-the-secret")
    answer = http.post(sb.skinsback_url, data=params).json()
    assert answer == {"status": "error", "error_code": -3, "error_message": "invalid_signature"}


def test_unknown_shopid_is_minus_2(sb: SandboxServer, http: requests.Session) -> None:
    assert (
        http.post(sb.skinsback_url, data=signed({"method": "balance"}, shopid="1490")).json()["error_code"]
        == -2
    )
    headers = {"X-CLIENT-ID": "someone", "X-CLIENT-SECRET": "sandbox-secret"}
    answer = http.post(sb.skinsback_url, json={"method": "balance"}, headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"status": "error", "error_code": -2, "error_message": "invalid_shopid"}
    assert http.post(sb.skinsback_url, json={"method": "balance"}).json()["error_code"] == -2


def test_wrong_client_secret_is_minus_10(sb: SandboxServer, http: requests.Session) -> None:
    headers = {"X-CLIENT-ID": "sandbox", "X-CLIENT-SECRET": "wrong"}
    answer = http.post(sb.skinsback_url, json={"method": "balance"}, headers=headers).json()
    assert answer == {"status": "error", "error_code": -10, "error_message": "invalid_client_secret"}


def test_get_is_minus_1_and_unknown_method_is_minus_5(sb: SandboxServer, http: requests.Session) -> None:
    answer = http.get(sb.skinsback_url, headers=HEADERS)
    assert answer.status_code == 200
    assert answer.json() == {"status": "error", "error_code": -1, "error_message": "please_use_post_method"}
    answer = http.post(sb.skinsback_url, json={"method": "market_teleport"}, headers=HEADERS).json()
    assert answer == {"status": "error", "error_code": -5, "error_message": "invalid_method"}


def test_credentials_are_configurable() -> None:
    with (
        SandboxServer(client_id="1490", client_secret="test_client_secret") as server,
        requests.Session() as http,
    ):
        http.trust_env = False
        params = {"method": "market_getinfo", "buy_id": "129112705", "shopid": "1490"}
        params["sign"] = "8c67ca3ded958c55543a8cc8294fdb0a4a9535af"  # the worked example's signature
        answer = http.post(server.skinsback_url, data=params).json()
        assert answer == {"status": "error", "error_code": 2, "error_message": "offer_not_found"}
