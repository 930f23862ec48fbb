"""Errors without a code (error_no_code), Skinify message-only errors (skinify_*), and their
_after_record variants, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from sandbox.server import SandboxServer

from .conftest import HEADERS, SKINIFY_HEADERS, add_fault, batch_params, counters, skinify_buy_params

Skinify = Callable[..., requests.Response]


def skinify_buy(skinify: Skinify, custom_id: str) -> requests.Response:
    return skinify("POST", "withdraw/buy", **skinify_buy_params(custom_id))


@pytest.mark.parametrize(
    ("kind", "recorded"), [("error_no_code", {}), ("error_no_code_after_record", {"nc-1": 1})]
)
def test_error_no_code_on_a_batch_buy(sb: SandboxServer, kind: str, recorded: dict) -> None:
    assert add_fault(sb, method="market_batch_buy", kind=kind, times=1).status_code == 200
    response = requests.post(sb.skinsback_url, json=batch_params("nc-1"), headers=HEADERS, timeout=5)
    assert (response.status_code, response.json()) == (200, {"status": "error"})
    assert counters(sb)["buys_recorded"] == recorded
    assert (sb.state.get_purchase("nc-1") is not None) == bool(recorded)


@pytest.mark.parametrize(
    ("old_name", "kind"),
    [("no_code_error", "error_no_code"), ("no_code_error_after_record", "error_no_code_after_record")],
)
def test_the_old_name_no_code_error_is_an_alias(sb: SandboxServer, old_name: str, kind: str) -> None:
    answer = add_fault(sb, method="market_getinfo", kind=old_name).json()
    assert [rule["kind"] for rule in answer["faults"]] == [kind]


def test_error_no_code_on_skinify(sb: SandboxServer, skinify: Skinify) -> None:
    sb.state.inject("withdraw/buy", "error_no_code_after_record", times=1)
    response = skinify_buy(skinify, "ncs-1")
    assert (response.status_code, response.json()) == (200, {"status": "error"})
    assert sb.state.buys_recorded == {"ncs-1": 1}


@pytest.mark.parametrize("message", ["request_timeout", "under_maintenance"])
def test_skinify_message_errors_before_and_after_record(
    sb: SandboxServer, skinify: Skinify, message: str
) -> None:
    sb.state.inject("withdraw/buy", f"skinify_{message}", times=1)
    sb.state.inject("withdraw/buy", f"skinify_{message}_after_record", times=1)
    for custom_id in ("sk-before", "sk-after"):
        response = skinify_buy(skinify, custom_id)
        assert (response.status_code, response.json()) == (
            200,
            {"status": "error", "error_message": message},
        )
    assert sb.state.buys_recorded == {"sk-after": 1}
    assert skinify_buy(skinify, "sk-after").json()["error_message"] == "custom_id_already_exists"


def test_skinify_kinds_never_fire_on_skinsback(sb: SandboxServer, call: Callable[..., dict]) -> None:
    refused = add_fault(sb, method="market_buy", kind="skinify_request_timeout")
    assert refused.status_code == 400 and "Skinify endpoints only" in refused.json()["error"]
    assert add_fault(sb, method="*", kind="skinify_request_timeout", times=1).status_code == 200
    assert call(method="balance")["status"] == "success"  # the rule is left for a Skinify call
    url = sb.skinify_url + "project-balance"
    answer = requests.get(url, headers=SKINIFY_HEADERS, timeout=5).json()
    assert answer == {"status": "error", "error_message": "request_timeout"}
    assert requests.get(url, headers=SKINIFY_HEADERS, timeout=5).json()["status"] == "success"


@pytest.mark.parametrize("kind", ["skinify_nonsense", "error_", "cut_body_after_record_after_record"])
def test_unknown_kinds_are_refused(sb: SandboxServer, kind: str) -> None:
    assert add_fault(sb, method="withdraw/buy", kind=kind).status_code == 400


def test_an_error_code_after_record_on_skinify(sb: SandboxServer, skinify: Skinify) -> None:
    sb.state.inject("withdraw/buy", "error_-9_after_record", times=1)
    response = skinify_buy(skinify, "sk-9")
    assert (response.status_code, response.json()["error_message"]) == (503, "under_maintenance")
    assert sb.state.buys_recorded == {"sk-9": 1}
