"""Secrets never reach logs, CallRecord excerpts or exception text, whatever the outcome."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import requests

from purchases.providers import BuyRequest, ProviderError
from purchases.providers.redaction import Redactor, redact_mapping

from .conftest import SB_URL, SECRET, SF_TOKEN, SF_URL, TRADE_TOKEN

TRADE_URL = f"https://steamcommunity.com/tradeoffer/new/?partner=90078795&token={TRADE_TOKEN}"


def _answers(own: str) -> list[dict]:
    """Answers that quote the provider's own credential (`own`) and a user's trade URL back."""
    echo = {"status": "error", "error_code": 9, "error_message": f"invalid_token_value {own} {TRADE_URL}"}
    return [
        {"json": echo},
        {"body": f"<html>{own} {TRADE_URL}</html>", "status": 502},
        {"body": requests.ReadTimeout(f"HTTPSConnectionPool: Read timed out. url: /api?token={own}")},
        {"body": requests.ConnectionError(f"Max retries exceeded with url: /x?token={own}&sign=abc")},
        {"body": f'{{"status":"success","items":[{{"token":"{own}"'},
    ]


def _exercise(provider, sign_holder: list[str]) -> list[str]:
    """Run a buy, a batch buy, a lookup and an inventory request; collect every exception's text."""
    texts = []
    calls = [
        lambda: provider.buy(
            partner="1", token=TRADE_TOKEN, request=BuyRequest("c-1", Decimal("1"), item_id="5")
        ),
        lambda: provider.get_purchases(custom_ids=["c-1", "c-2"]),
        lambda: provider.inventory(steam_id="76561198000000000", token=TRADE_TOKEN, game="rust"),
    ]
    if provider.code == "skinsback":
        items = [BuyRequest("c-2", Decimal("1"), item_id="6")]
        calls.append(lambda: provider.batch_buy(partner="1", token=TRADE_TOKEN, items=items))
    for call in calls:
        try:
            call()
        except ProviderError as err:
            texts += [str(err), repr(err), err.message, *map(str, err.args)]
    return texts


@pytest.mark.parametrize("answer", range(5), ids=["echo", "html-5xx", "timeout", "conn", "cutoff"])
@pytest.mark.parametrize("who", ["skinsback-headers", "skinsback-signature", "skinify"])
def test_no_secret_anywhere(mocked, skinsback, skinify, records, caplog, answer, who):
    caplog.set_level(logging.DEBUG)
    answer = _answers(SF_TOKEN if who == "skinify" else SECRET)[answer]
    for method in ("GET", "POST"):
        for url in (SB_URL, SF_URL + "withdraw/buy", SF_URL + "withdraw/info", SF_URL + "steam-inventory"):
            mocked.add(method, url, **answer)
    provider = (
        skinify(read_retries=1) if who == "skinify" else skinsback(auth=who.split("-")[1], read_retries=1)
    )
    texts = _exercise(provider, [])
    bodies = [c.request.body for c in mocked.calls if c.request.body]
    signs = [b.decode() if isinstance(b, bytes) else b for b in bodies]
    signs = [b for b in signs if '"sign"' in b]
    haystack = "\n".join(
        [caplog.text, *texts]
        + [f"{r.request_excerpt}\n{r.response_excerpt}\n{r.error_message}\n{r.error_code}" for r in records]
    )
    assert records and texts
    for secret in (SECRET, SF_TOKEN, TRADE_TOKEN):
        assert secret not in haystack
    for body in signs:  # the sign itself is a credential-derived value
        sign = body.split('"sign": "')[1].split('"')[0]
        assert sign not in haystack
    assert "token=***" in haystack or "***" in haystack


def test_successful_calls_keep_useful_excerpts(mocked, skinsback, records):
    mocked.post(
        SB_URL,
        json={"status": "success", "buy_id": "42", "offer_status": "creating_trade", "custom_id": "c-1"},
    )
    skinsback(auth="signature").buy(
        partner="1", token=TRADE_TOKEN, request=BuyRequest("c-1", Decimal("1.50"), item_id="5")
    )
    [record] = records
    assert record.outcome == "ok" and record.subjects == ["c-1"] and record.method == "market_buy"
    assert '"custom_id": "c-1"' in record.request_excerpt and '"max_price": "1.50"' in record.request_excerpt
    assert '"token": "***"' in record.request_excerpt and '"sign": "***"' in record.request_excerpt
    assert TRADE_TOKEN not in record.request_excerpt and '"buy_id": "42"' in record.response_excerpt


def test_excerpts_are_truncated(mocked, skinsback, records):
    big = {
        "status": "success",
        "items": [{"buy_id": str(i), "offer_status": "accepted"} for i in range(2000)],
    }
    mocked.post(SB_URL, json=big)
    assert len(skinsback().get_purchases(buy_ids=["1", "2"])) == 2000
    assert len(records[0].response_excerpt) < 2100 and records[0].response_excerpt.endswith("more chars]")


def test_redactor_rules():
    redactor = Redactor(["longsecret"])
    text = 'a token=abc&sign=def "trade_token": "xyz" X-CLIENT-SECRET: hunter2 longsecret partner=5'
    clean = redactor.scrub(text)
    for secret in ("abc", "def", "xyz", "hunter2", "longsecret"):
        assert secret not in clean
    assert "partner=5" in clean
    assert redact_mapping({"token": "t", "nested": [{"sign": "s", "id": 1}]}) == {
        "token": "***",
        "nested": [{"sign": "***", "id": 1}],
    }


def test_urllib3_request_lines_are_scrubbed(caplog):
    from purchases.providers.http import make_session

    make_session()
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s',
        "https",
        "skinify.io",
        443,
        "GET",
        f"/api/withdraw/info?token={SF_TOKEN}",
        "HTTP/1.1",
        200,
    )
    assert SF_TOKEN not in caplog.text and "token=***" in caplog.text


def test_a_bare_trade_token_echoed_by_the_call_that_sent_it_is_scrubbed(mocked, skinsback, records, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.post(
        SB_URL, json={"status": "error", "error_code": 3, "error_message": f"bad trade_token {TRADE_TOKEN}"}
    )
    with pytest.raises(ProviderError) as caught:
        skinsback().inventory(steam_id="76561198000000000", token=TRADE_TOKEN, game="rust")
    assert (
        TRADE_TOKEN
        not in str(caught.value) + caplog.text + records[0].response_excerpt + records[0].error_message
    )
