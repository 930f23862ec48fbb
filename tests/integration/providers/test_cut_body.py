"""Issue 11 case 1: an answer cut short after the request was sent, through the real HTTP stack.

The sandbox's `cut_body` faults declare a Content-Length and close the connection halfway through the
body, as a broken proxy or a crashed upstream does. For a buy that is "outcome unknown" (the provider may
have bought and charged): never a refusal. For a read it is a retryable failure.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from purchases.models import Purchase
from purchases.providers import get_provider
from purchases.providers.base import BuyRequest, Timeout, Unavailable
from purchases.providers.http import Transport
from purchases.services import purchases_send
from purchases.status import State
from tests.factories import make_user
from tests.integration.services.helpers import buy, sandbox_items


@pytest.fixture
def backoffs(monkeypatch) -> list[float]:
    """The retry waits of every transport get_provider builds, recorded instead of slept (1.5 s a test)."""
    slept: list[float] = []
    monkeypatch.setitem(Transport.__init__.__kwdefaults__, "sleep", slept.append)
    return slept


@pytest.fixture
def cutting(sandbox, settings, backoffs):
    """The sandbox, every answer to a buy or a lookup cut short; reads retried twice, calls not recorded."""
    settings.PROVIDER_READ_RETRIES = 2
    settings.PROVIDER_CALL_RECORDER = ""
    sandbox.state.inject("market_batch_buy", "cut_body_after_record")
    sandbox.state.inject("market_getinfo", "cut_body")
    return sandbox.state.requests


def test_a_buy_whose_answer_is_cut_short_is_outcome_unknown_and_sent_once(sandbox, cutting):
    listing = sandbox.state.catalog.listing("skinsback", "cs2", 0)
    request = BuyRequest(custom_id="c-1", max_price=Decimal("1000"), item_id=str(listing.id))
    with pytest.raises(Timeout) as caught:
        get_provider("skinsback").batch_buy(partner="1", token="tok", items=[request])
    assert caught.value.outcome_unknown and "look it up by custom_id" in str(caught.value)
    assert cutting["market_batch_buy"] == 1  # a buy is never retried


def test_a_read_whose_answer_is_cut_short_is_retried_then_unavailable(cutting, backoffs):
    with pytest.raises(Unavailable) as caught:
        get_provider("skinsback").get_purchases(buy_ids=["1"])
    assert caught.value.retryable and cutting["market_getinfo"] == 3
    assert len(backoffs) == 2 and backoffs == sorted(backoffs)  # a growing wait before each retry


@pytest.mark.django_db
def test_the_purchase_stays_unconfirmed_never_rejected(sandbox, cutting):
    [purchase] = buy(make_user(), sandbox_items(sandbox, 1), enqueue=False)
    purchases_send(purchase_ids=[purchase.pk])
    purchase = Purchase.objects.get(pk=purchase.pk)
    # the lookup's answer is cut short too: nothing is known, so nothing is concluded
    assert purchase.state == State.UNCONFIRMED and "no usable answer" in purchase.error_reason
    # one buy, one lookup with its retries
    assert (cutting["market_batch_buy"], cutting["market_getinfo"]) == (1, 3)
