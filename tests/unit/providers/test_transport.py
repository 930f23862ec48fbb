"""The shared transport: one record and one log line per attempt, recorder failures contained,
timeouts on every request, writes never repeated."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import requests

from purchases.providers import BuyRequest, Timeout, Unavailable

from .conftest import SB_URL, TRADE_TOKEN


def test_one_record_and_one_log_line_per_attempt(mocked, skinsback, records, caplog):
    caplog.set_level(logging.INFO, logger="purchases.providers")
    mocked.post(SB_URL, status=500)
    mocked.post(SB_URL, json={"status": "success", "balance": "2.50"})
    skinsback().balance()
    lines = [r for r in caplog.records if r.name == "purchases.providers"]
    assert len(lines) == 2 == len(records)
    assert "skinsback balance" in lines[1].getMessage() and lines[1].getMessage().endswith("ok")
    first, second = records
    assert (first.outcome, first.http_status, second.outcome, second.http_status) == (
        "http_error",
        500,
        "ok",
        200,
    )
    assert second.provider == "skinsback" and second.method == "balance" and second.duration_ms >= 0
    assert second.started_at.tzinfo is not None


def test_a_failing_recorder_is_logged_and_never_breaks_the_call(mocked, skinsback, caplog):
    def broken(record):
        raise RuntimeError("database is down")

    mocked.post(SB_URL, json={"status": "success", "balance": "2.50"})
    assert skinsback(recorder=broken).balance().amount == Decimal("2.50")
    assert "call recorder failed" in caplog.text


def test_timeouts_are_passed_on_every_request(mocked, skinsback):
    mocked.post(SB_URL, json={"status": "success", "balance": "1"})
    provider = skinsback(connect_timeout=1.5, read_timeout=7.0)
    provider.balance()
    assert mocked.calls[0].request.req_kwargs["timeout"] == (1.5, 7.0)


def test_a_read_timeout_on_a_read_is_retried(mocked, skinsback, records):
    mocked.post(SB_URL, body=requests.ReadTimeout("slow"))
    mocked.post(SB_URL, json={"status": "success", "balance": "1"})
    skinsback().balance()
    assert [r.outcome for r in records] == ["timeout", "ok"]


def test_writes_are_never_retried_whatever_happens(mocked, skinsback):
    for body in (requests.ReadTimeout("x"), requests.ConnectionError("reset")):
        mocked.post(SB_URL, body=body)
    provider = skinsback(read_retries=5)
    request = BuyRequest("c-1", Decimal("1"), item_id="5")
    for _ in range(2):
        with pytest.raises(Timeout):
            provider.buy(partner="1", token=TRADE_TOKEN, request=request)
    assert len(mocked.calls) == 2


def test_connection_refused_on_a_read_is_retried_then_unavailable(skinsback, clock):
    provider = skinsback(read_retries=2)
    provider.api_url = "http://127.0.0.1:9/api.php"  # discard port: nothing listens
    with pytest.raises(Unavailable, match="could not connect"):
        provider.balance()
    assert len(clock.sleeps) == 2
