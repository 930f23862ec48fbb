"""Issue 19, point 2: an unsigned or wrongly signed callback is kept only as an excerpt (headers, size,
SHA-256, first 2 KB); an address that keeps sending them gets 429 and fills nothing; a signed callback
is kept whole."""

from __future__ import annotations

import hashlib
import json

import pytest

from purchases.models import WebhookEvent
from purchases.status import State
from tests.factories import make_purchase
from tests.integration.services.test_webhooks import SECRET, URL, sign, status_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings, clean_cache):
    settings.SKINSBACK_WEBHOOK_SECRET = SECRET
    settings.WEBHOOK_BAD_LIMIT = 3


def padded(purchase, status: str, size: int) -> bytes:
    payload = status_change(purchase, status)
    payload["padding"] = "x" * size
    return json.dumps(payload).encode()


def send(client, body: bytes, signature: str, ip: str = "198.51.100.1"):
    return client.post(
        URL, data=body, content_type="application/json", HTTP_SIGNATURE=signature, REMOTE_ADDR=ip
    )


def test_a_bad_signature_keeps_headers_size_digest_and_the_first_2_kb(client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    body = padded(purchase, "canceled", 200 * 1024)
    assert send(client, body, "0" * 64).status_code == 403
    event = WebhookEvent.objects.get()
    assert not event.valid
    assert event.body == body[:2048].decode()
    assert event.size == len(body)
    assert event.digest == hashlib.sha256(body).hexdigest()
    assert event.headers["Content-Type"] == "application/json"
    assert "0" * 64 not in json.dumps(event.headers)


def test_a_signed_callback_is_kept_whole(client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    body = padded(purchase, "waiting_accept", 100 * 1024)
    assert send(client, body, sign(body)).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.valid and event.body == body.decode() and event.size == len(body)


def test_an_address_that_keeps_sending_bad_callbacks_is_refused_and_fills_nothing(client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    body = padded(purchase, "canceled", 100 * 1024)
    answers = [send(client, body, "0" * 64).status_code for _ in range(10)]
    assert answers == [403] * 3 + [429] * 7
    refused = send(client, body, "")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert WebhookEvent.objects.count() == 3
    assert sum(len(e.body) for e in WebhookEvent.objects.all()) == 3 * 2048
    # another address is counted apart; a signed callback from the refused one still goes through
    assert send(client, body, "0" * 64, ip="203.0.113.5").status_code == 403
    good = padded(purchase, "waiting_accept", 10)
    assert send(client, good, sign(good)).status_code == 200
    assert WebhookEvent.objects.filter(valid=True).count() == 1
