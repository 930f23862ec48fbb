"""The sandbox as lenient as the live APIs: a project in another currency (SkinsBack's live balance shape)
and Skinify's reads answering POST (JSON body, the same fields in the query) as well as GET."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from sandbox.server import SandboxServer

from .conftest import SKINIFY_HEADERS
from .test_sandbox_skinify import buy

LIVE_KEYS = {
    "balance",
    "balance_in_currencies",
    "deals_sum",
    "deals_sum_in_currencies",
    "withdraw_sum",
    "withdraw_sum_in_currencies",
}


def test_a_usd_project_answers_the_live_shape_with_balance_equal_to_usd(call) -> None:
    answer = call(method="balance")
    assert {"status", *LIVE_KEYS} <= set(answer)
    assert answer["balance"] == answer["balance_in_currencies"]["usd"] == "10000.00"
    assert answer["deals_sum_in_currencies"]["usd"] == "0.00"


def test_a_rouble_project_set_by_the_control_call(call, sb: SandboxServer, http: requests.Session) -> None:
    response = http.post(sb.control_url + "config", json={"project_currency": "RUB"}, timeout=10)
    assert response.status_code == 200 and response.json()["project_currency"] == "rub"
    answer = call(method="balance")
    usd, rub = Decimal(answer["balance_in_currencies"]["usd"]), Decimal(answer["balance"])
    assert usd == Decimal("10000.00") and rub == Decimal(answer["balance_in_currencies"]["rub"]) > usd * 50
    assert answer["withdraw_sum"] == answer["withdraw_sum_in_currencies"]["rub"]


def test_an_unknown_currency_is_refused_by_the_control_call(
    sb: SandboxServer, http: requests.Session
) -> None:
    response = http.post(sb.control_url + "config", json={"project_currency": "xyz"}, timeout=10)
    assert response.status_code == 400 and "unknown currency" in response.json()["error"]
    assert sb.state.project_currency == "usd"


def test_the_client_reads_usd_from_a_rouble_sandbox(sb: SandboxServer, settings) -> None:
    from purchases.providers.skinsback import SkinsBackProvider

    sb.state.set_project_currency("rub")
    settings.SKINSBACK_API_URL = sb.skinsback_url
    balance = SkinsBackProvider.from_settings(settings).balance()
    assert (balance.usd, balance.currency) == (Decimal("10000.00"), "rub")
    assert balance.amount == Decimal("927000.00")


@pytest.mark.parametrize("endpoint", ["withdraw/info", "withdraw/prices", "project-balance"])
def test_skinify_reads_answer_post_as_a_public_client_sends_it(
    sb: SandboxServer, http: requests.Session, skinify, endpoint: str
) -> None:
    buy(skinify, "p-1")
    fields = {"withdraw/info": {"custom_ids": "p-1"}, "withdraw/prices": {"game": "csgo"}}.get(endpoint, {})
    url = sb.skinify_url + endpoint
    response = http.post(url, params=fields, json=fields, headers=SKINIFY_HEADERS, timeout=10)
    assert response.status_code == 200 and response.json()["status"] == "success"
    assert response.json() == http.get(url, params=fields, headers=SKINIFY_HEADERS, timeout=10).json()


def test_skinify_writes_still_refuse_get(skinify) -> None:
    response = skinify("GET", "withdraw/buy", custom_id="g-1")
    assert response.status_code == 405
