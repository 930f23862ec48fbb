"""Fault kinds for answers as real APIs send them (issue 11): bodies cut short, no custom_id echo,
errors without a code, each before or after the request was carried out."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
import requests

from sandbox.server import SandboxServer

from .conftest import HEADERS, add_fault, batch_params, buy_params, counters, skinify_buy_params


def post(sb: SandboxServer, http: requests.Session, params: dict) -> requests.Response:
    return http.post(sb.skinsback_url, json=params, headers=HEADERS, timeout=5)


def test_cut_body_after_record_breaks_off_the_answer_but_records_the_buy(
    sb: SandboxServer, http: requests.Session
) -> None:
    sb.state.inject("market_buy", "cut_body_after_record", times=1)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        post(sb, http, buy_params("cut-1")).content  # noqa: B018 - reading the body is the point
    assert sb.state.buys_recorded["cut-1"] == 1


def test_cut_body_before_record_buys_nothing(sb: SandboxServer, http: requests.Session) -> None:
    sb.state.inject("market_buy", "cut_body", times=1)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        post(sb, http, buy_params("cut-2")).content  # noqa: B018
    assert sb.state.get_purchase("cut-2") is None


def test_no_custom_id_echo_answers_normally_without_any_custom_id(
    sb: SandboxServer, call: Callable[..., dict]
) -> None:
    bought = call(**buy_params("echo-1"))
    assert bought["custom_id"] == "echo-1"
    sb.state.inject("market_getinfo", "no_custom_id_echo", times=1)
    answer = call(method="market_getinfo", custom_ids=["echo-1"])
    assert [str(entry["buy_id"]) for entry in answer["items"]] == [str(bought["buy_id"])]
    assert "custom_id" not in answer["items"][0]


@pytest.mark.parametrize(("kind", "recorded"), [("error_no_code", 0), ("error_no_code_after_record", 1)])
def test_an_error_without_a_code(
    sb: SandboxServer, call: Callable[..., dict], kind: str, recorded: int
) -> None:
    sb.state.inject("market_buy", kind, times=1)
    assert call(**buy_params("nocode-1")) == {"status": "error"}
    assert sb.state.buys_recorded["nocode-1"] == recorded


def test_an_error_code_after_record_is_answered_after_buying(
    sb: SandboxServer, call: Callable[..., dict]
) -> None:
    sb.state.inject("market_buy", "error_-9_after_record", times=1)
    assert call(**buy_params("maint-1"))["error_code"] == -9
    assert sb.state.buys_recorded["maint-1"] == 1


def test_cut_body_after_record_on_a_batch_buy_over_requests_post(sb: SandboxServer) -> None:
    assert add_fault(sb, method="market_batch_buy", kind="cut_body_after_record", times=1).status_code == 200
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.post(sb.skinsback_url, json=batch_params("cutb-1", "cutb-2"), headers=HEADERS, timeout=5)
    seen = counters(sb)
    assert (seen["buys_recorded"], seen["buy_attempts"]) == ({"cutb-1": 1, "cutb-2": 1},) * 2
    assert sb.state.get_purchase("cutb-2") is not None
    assert requests.get(sb.url + "/_sandbox/faults", timeout=5).json()["faults"][0]["hits"] == 1


def test_cut_body_declares_more_bytes_than_it_sends(sb: SandboxServer) -> None:
    sb.state.inject("market_batch_buy", "cut_body_after_record", times=1)
    response = requests.post(
        sb.skinsback_url, json=batch_params("cutb-3"), headers=HEADERS, timeout=5, stream=True
    )
    declared = int(response.headers["Content-Length"])
    received = response.raw.read(declared, decode_content=False)  # stops where the server closed
    assert response.status_code == 200 and 0 < len(received) < declared
    assert received.startswith(b'{"status": "success"')


def test_cut_body_before_record_does_nothing(sb: SandboxServer) -> None:
    sb.state.inject("market_batch_buy", "cut_body", times=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.post(sb.skinsback_url, json=batch_params("cutb-4"), headers=HEADERS, timeout=5)
    seen = counters(sb)
    assert (seen["buys_recorded"], seen["buy_attempts"]) == ({}, {})
    assert sb.state.balance() == Decimal("10000.00")


def test_no_custom_id_echo_on_a_batch_buy(sb: SandboxServer, call: Callable[..., dict]) -> None:
    sb.state.inject("market_batch_buy", "no_custom_id_echo", times=1)
    answer = call(**batch_params("echob-1", "echob-2"))
    assert answer["status"] == "success" and set(answer["purchased"]) == {"10000001", "10000002"}
    for entry in answer["purchased"].values():
        assert "custom_id" not in entry and isinstance(entry["buy_id"], int)
    assert sb.state.buys_recorded == {"echob-1": 1, "echob-2": 1}
    assert call(**batch_params("echob-3"))["purchased"]["10000001"]["custom_id"] == "echob-3"


def test_no_custom_id_echo_on_getinfo_single_list_and_history(
    sb: SandboxServer, call: Callable[..., dict]
) -> None:
    bought = [call(**buy_params(f"echog-{n}", item_id=10_000_001 + n)) for n in range(3)]
    sb.state.inject("market_getinfo", "no_custom_id_echo", times=2)
    sb.state.inject("market_history", "no_custom_id_echo", times=1)
    listed = call(method="market_getinfo", custom_ids=["echog-0", "echog-1", "echog-2"])
    assert [int(x["buy_id"]) for x in listed["items"]] == [b["buy_id"] for b in bought]
    single = call(method="market_getinfo", buy_id=bought[0]["buy_id"])
    history = call(method="market_history", starting=0)
    assert single["status"] == "success" and len(history["items"]) == 3
    for entry in [*listed["items"], single, *history["items"]]:
        assert "custom_id" not in entry and entry["offer_status"] == "creating_trade"
    assert call(method="market_getinfo", custom_ids=["echog-0"])["items"][0]["custom_id"] == "echog-0"


def test_no_custom_id_echo_on_skinify(sb: SandboxServer, skinify: Callable[..., requests.Response]) -> None:
    sb.state.inject("withdraw/buy", "no_custom_id_echo", times=1)
    sb.state.inject("withdraw/info", "no_custom_id_echo", times=1)
    bought = skinify("POST", "withdraw/buy", **skinify_buy_params("echos-1")).json()
    assert bought["status"] == "success" and "custom_id" not in bought
    info = skinify("GET", "withdraw/info", custom_ids="echos-1").json()
    assert [x["purchase_id"] for x in info["items"]] == [str(bought["purchase_id"])]
    assert "custom_id" not in info["items"][0]
    assert sb.state.buys_recorded == {"echos-1": 1}
