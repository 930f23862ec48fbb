"""Fault kinds for answers as real APIs send them (issue 11): bodies cut short, no custom_id echo,
errors without a code, each before or after the request was carried out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from sandbox.server import SandboxServer

from .conftest import HEADERS, buy_params


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


@pytest.mark.parametrize(("kind", "recorded"), [("no_code_error", 0), ("no_code_error_after_record", 1)])
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
