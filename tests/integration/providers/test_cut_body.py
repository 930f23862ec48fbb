"""Issue 11 case 1: an answer cut short after the request was sent, through the real HTTP stack.

A local server declares a Content-Length and closes the connection halfway through the body, as a
broken proxy or a crashed upstream does. For a buy that is "outcome unknown" (the provider may have
bought and charged): never a refusal. For a read it is a retryable failure.
"""

from __future__ import annotations

import socket
import threading
import uuid
from decimal import Decimal

import pytest

from purchases.models import Purchase
from purchases.providers import get_provider
from purchases.providers.base import BuyRequest, Timeout, Unavailable
from purchases.services import BuyLine, purchases_create, purchases_send
from purchases.status import State
from tests.factories import make_item, make_user

BODY = (
    b'{"status":"success","purchased":{"62696971":{"item":{"id":"62696971","price":8.28},"buy_id":129112705,'
)


class CuttingServer:
    """Answers every request with a 200 whose body stops after `BODY` although more was announced."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                self.requests += 1
                head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(BODY) * 3}\r\n\r\n"
                conn.sendall(head.encode() + BODY)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api.php"

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def cutting(settings):
    server = CuttingServer()
    settings.SKINSBACK_API_URL = server.url
    settings.PROVIDER_READ_RETRIES = 2
    settings.PROVIDER_CALL_RECORDER = ""
    yield server
    server.close()


def _request() -> BuyRequest:
    return BuyRequest(custom_id="c-1", max_price=Decimal("9"), item_id="62696971")


def test_a_buy_whose_answer_is_cut_short_is_outcome_unknown_and_sent_once(cutting):
    with pytest.raises(Timeout) as caught:
        get_provider("skinsback").batch_buy(partner="1", token="tok", items=[_request()])
    assert caught.value.outcome_unknown and "look it up by custom_id" in str(caught.value)
    assert cutting.requests == 1  # a buy is never retried


def test_a_read_whose_answer_is_cut_short_is_retried_then_unavailable(cutting):
    with pytest.raises(Unavailable) as caught:
        get_provider("skinsback").get_purchases(buy_ids=["1"])
    assert caught.value.retryable and cutting.requests == 3


@pytest.mark.django_db
def test_the_purchase_stays_unconfirmed_never_rejected(cutting):
    line = BuyLine(item=make_item(provider_item_id="62696971"), max_price=Decimal("9"))
    [purchase] = purchases_create(
        steam_user=make_user(),
        provider="skinsback",
        lines=[line],
        actor=None,
        batch_id=uuid.uuid4(),
        enqueue=False,
    ).purchases
    purchases_send(purchase_ids=[purchase.pk])
    purchase = Purchase.objects.get(pk=purchase.pk)
    # the lookup's answer is cut short too: nothing is known, so nothing is concluded
    assert purchase.state == State.UNCONFIRMED and "no usable answer" in purchase.error_reason
    assert cutting.requests == 1 + 3  # one buy, one lookup with its retries
