"""Provider callbacks: stored first, signature checked, applied once, replays and stale statuses ignored."""

import hashlib
import hmac
import json

import pytest

from purchases.models import PurchaseEvent, WebhookEvent
from purchases.providers.skinsback.callbacks import signature_valid
from purchases.status import State
from tests.factories import make_purchase

URL = "/webhooks/skinsback/"
SECRET = "hook-secret"

# the worked example of shared/api/skinsback.md section 6.2
VENDOR_BODY = (
    b'{"event":"status_change","data":{"item":{"id":"2516"},"buy_id":"65","offer_status":"waiting_accept",'
    b'"error_reason":null,"tradeofferid":"4176876858","custom_id":"123456"}}'
)
VENDOR_SIGNATURE = "6e8790fd0aea22eba526233e91212f8b2fcb77ea5eef510f8c08832a60639a64"


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, payload: dict, *, signature: str | None = None, header: str = "HTTP_SIGNATURE"):
    body = json.dumps(payload).encode()
    headers = {header: sign(body) if signature is None else signature}
    return client.post(URL, data=body, content_type="application/json", **headers)


def status_change(purchase, status: str, **extra) -> dict:
    data = {
        "item": {"id": "1"},
        "buy_id": purchase.buy_id,
        "offer_status": status,
        "custom_id": purchase.custom_id,
    }
    return {"event": "status_change", "data": {**data, **extra}}


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.SKINSBACK_WEBHOOK_SECRET = SECRET


def test_vendor_example_signature_verifies():
    assert signature_valid(VENDOR_BODY, VENDOR_SIGNATURE, "test_client_secret")
    assert not signature_valid(VENDOR_BODY + b" ", VENDOR_SIGNATURE, "test_client_secret")
    assert not signature_valid(VENDOR_BODY, VENDOR_SIGNATURE, "other")


@pytest.mark.django_db
@pytest.mark.parametrize("signature", ["", "0" * 64, "not-hex"])
def test_bad_or_missing_signature_is_refused_and_kept_as_invalid(client, signature):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    response = post(client, status_change(purchase, "canceled"), signature=signature)
    assert response.status_code == 403
    event = WebhookEvent.objects.get()
    assert not event.valid and not event.processed
    assert "canceled" in event.body
    purchase.refresh_from_db()
    assert purchase.state == State.IN_PROGRESS


@pytest.mark.django_db
def test_valid_callback_is_applied_once_and_replays_change_nothing(client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    payload = status_change(purchase, "waiting_accept", tradeofferid="4176876858")
    assert post(client, payload).status_code == 200
    assert post(client, payload).status_code == 200  # the provider retries: same event again
    purchase.refresh_from_db()
    assert (purchase.state, purchase.provider_status) == (State.IN_PROGRESS, "waiting_accept")
    assert purchase.trade_offer_id == "4176876858"
    assert PurchaseEvent.objects.filter(purchase=purchase, source="webhook").count() == 1
    assert WebhookEvent.objects.filter(valid=True, processed=True).count() == 2


@pytest.mark.django_db
def test_authorization_header_is_accepted_too(client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="66", provider_status="creating_trade")
    response = post(client, status_change(purchase, "waiting_accept"), header="HTTP_AUTHORIZATION")
    assert response.status_code == 200
    purchase.refresh_from_db()
    assert purchase.provider_status == "waiting_accept"


@pytest.mark.django_db
def test_an_older_status_never_overwrites_a_newer_one(client):
    purchase = make_purchase(state=State.FAILED, buy_id="67", provider_status="canceled")
    post(client, status_change(purchase, "waiting_accept"))
    purchase.refresh_from_db()
    assert (purchase.state, purchase.provider_status) == (State.FAILED, "canceled")
    waiting = make_purchase(state=State.IN_PROGRESS, buy_id="68", provider_status="waiting_accept")
    post(client, status_change(waiting, "creating_trade"))
    waiting.refresh_from_db()
    assert waiting.provider_status == "waiting_accept"


@pytest.mark.django_db
def test_unknown_purchase_and_garbage_are_kept_with_an_error(client):
    body = b"not json"
    response = client.post(URL, data=body, content_type="application/json", HTTP_SIGNATURE=sign(body))
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.valid and not event.processed and "JSON" in event.error


@pytest.mark.django_db
def test_signature_value_is_not_stored(client):
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="69")
    body = json.dumps(status_change(purchase, "waiting_accept")).encode()
    client.post(URL, data=body, content_type="application/json", HTTP_SIGNATURE=sign(body))
    assert sign(body) not in json.dumps(WebhookEvent.objects.get().headers)


@pytest.mark.django_db(transaction=True)
def test_sandbox_sends_signed_callbacks_that_are_applied(sandbox, live_server, settings):
    from tests.factories import make_user

    from .helpers import buy, sandbox_items

    settings.SKINSBACK_WEBHOOK_SECRET = "sandbox-secret"
    sandbox.state.set_webhook_url(f"{live_server.url}{URL}")
    try:
        [purchase] = buy(make_user(), sandbox_items(sandbox, 1))
        sandbox.state.force_status(purchase.custom_id, "waiting_accept")
        sandbox.state.tick()
        import time

        for _ in range(50):
            purchase.refresh_from_db()
            if purchase.provider_status == "waiting_accept":
                break
            time.sleep(0.1)
        assert purchase.provider_status == "waiting_accept"
        assert WebhookEvent.objects.filter(valid=True).exists()
        assert not WebhookEvent.objects.filter(valid=False).exists()
    finally:
        sandbox.state.set_webhook_url(None)


@pytest.mark.django_db
def test_a_skinsback_callback_naming_a_skinify_purchase_changes_nothing_and_is_flagged(client):
    purchase = make_purchase(
        provider="skinify", state=State.IN_PROGRESS, buy_id="65", provider_status="processing"
    )
    before = {f: getattr(purchase, f) for f in ("state", "provider_status", "trade_offer_id", "updated_at")}
    payload = status_change(purchase, "canceled", tradeofferid="4176876858")
    response = post(client, payload)
    assert response.status_code == 200  # signed correctly: kept, never retried by the provider
    purchase.refresh_from_db()
    assert {f: getattr(purchase, f) for f in before} == before
    assert not PurchaseEvent.objects.filter(purchase=purchase).exists()
    event = WebhookEvent.objects.get()
    assert event.valid and not event.processed and event.purchase is None
    assert "Skinify purchase" in event.error and "changes nothing" in event.error
    assert json.loads(event.body) == payload  # kept whole


@pytest.mark.django_db
def test_the_history_of_one_provider_leaves_another_providers_purchase_alone(fake_provider):
    from datetime import timedelta

    from django.utils import timezone

    from purchases.providers import HistoryPage, PurchaseInfo
    from purchases.services.history import purchases_import_history

    purchase = make_purchase(provider="skinify", state=State.IN_PROGRESS, provider_status="processing")
    answer = PurchaseInfo(provider="skinsback", status="canceled", custom_id=purchase.custom_id, buy_id="77")
    fake_provider.answers["history"] = HistoryPage(items=[answer], has_more=False)
    now = timezone.now()
    report = purchases_import_history(provider="skinsback", since=now - timedelta(days=1), until=now)
    purchase.refresh_from_db()
    assert purchase.state == State.IN_PROGRESS and purchase.buy_id != "77"
    assert report.foreign == [purchase.custom_id] and "another provider" in report.summary()


@pytest.mark.django_db
def test_a_lookup_or_buy_answer_of_another_provider_changes_nothing():
    """apply_answer is the one door of the sync, the lookup and the buy answer: a foreign answer stops there."""
    from purchases.providers import PurchaseInfo
    from purchases.services.writes import apply_answer

    purchase = make_purchase(provider="skinify", state=State.UNCONFIRMED, provider_status="")
    answer = PurchaseInfo(provider="skinsback", status="accepted", custom_id=purchase.custom_id, buy_id="9")
    for source in ("sync", "buy"):
        assert apply_answer(purchase, answer, source=source) is None
    purchase.refresh_from_db()
    assert (purchase.state, purchase.buy_id, purchase.provider_status) == (State.UNCONFIRMED, None, "")
    assert not PurchaseEvent.objects.filter(purchase=purchase).exists()
