"""No secret in logs, HTML or database rows after a full buy-and-sync run against the sandbox.

The run uses distinctive values for the SkinsBack client secret, the webhook secret, the Skinify token
and the user's trade token; the sandbox is configured to accept them. Then it scans:

- every log record of every logger at DEBUG (urllib3 included), and `check_provider`'s output;
- the admin pages: purchases, purchase events, provider calls, webhook events (lists and detail pages),
  the Steam user list and page, the inventory page;
- the rows of ProviderCall, WebhookEvent, django-q2 tasks, Purchase.raw and PurchaseEvent.payload.

The trade token is stored on purpose in SteamUser.token / trade_url, and the Steam user's own change
page shows its trade URL in the edit form: that table and that one page are not scanned for the trade
token (they are for the provider secrets). Everywhere else, the trade token must not appear either.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging

import pytest
from django.core import serializers
from django.core.management import call_command
from django.urls import reverse

from purchases.models import ProviderCall, Purchase, PurchaseEvent, WebhookEvent
from purchases.services import purchases_sync
from tests.factories import make_user, trade_url_for
from tests.integration.services.helpers import buy, sandbox_items

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_SECRET = "cs-LeakCanary-5f0e9a1b7c"
WEBHOOK_SECRET = "wh-LeakCanary-11aa22bb33"
SKINIFY_TOKEN = "sk-LeakCanary-83c2d4e6f9"
TRADE_TOKEN = "Tq7LeakZ"  # a Steam trade token has 8 characters
PROVIDER_SECRETS = (CLIENT_SECRET, WEBHOOK_SECRET, SKINIFY_TOKEN)
EVERY_SECRET = (*PROVIDER_SECRETS, TRADE_TOKEN)


@pytest.fixture
def canary_secrets(sandbox, settings):
    """Distinctive secrets in the settings and in the sandbox; the sandbox's defaults come back after."""
    state = sandbox.state
    saved = (state.client_secret, state.skinify_token, state.webhook_secret)
    settings.SKINSBACK_CLIENT_SECRET = state.client_secret = CLIENT_SECRET
    settings.SKINIFY_TOKEN = state.skinify_token = SKINIFY_TOKEN
    settings.SKINSBACK_WEBHOOK_SECRET = WEBHOOK_SECRET
    state.webhook_secret = WEBHOOK_SECRET
    yield sandbox
    state.client_secret, state.skinify_token = saved[:2]
    state.webhook_secret = None if saved[2] == saved[0] else saved[2]


@pytest.fixture
def every_logger_at_debug(caplog):
    for name in ["", "urllib3", "urllib3.connectionpool", *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name or None)
    return caplog


def _full_run(sandbox, settings) -> tuple[list[Purchase], str]:
    """Buy on both providers (with faults), sync, sync again with signed SkinsBack requests, check the
    provider, and receive a signed and a forged callback. Returns the purchases and command output."""
    sid = "76561198000004321"
    user = make_user(steam_id=sid, trade_url=trade_url_for(sid, token=TRADE_TOKEN))
    state = sandbox.state
    state.inject("market_batch_buy", "garbled", times=1)  # an answer we cannot read: looked up after
    purchases = buy(user, sandbox_items(sandbox, 3))
    purchases += buy(
        user, sandbox_items(sandbox, 2, provider="skinify", game="csgo"), provider="skinify", pay_again=True
    )
    state.inject("market_getinfo", "error_-9", times=1)  # a maintenance answer: a retry, a warning
    state.advance(10)
    purchases_sync()
    settings.SKINSBACK_AUTH = "signature"
    state.advance(30)
    purchases_sync(include_all=True)
    out = io.StringIO()
    for provider in ("skinsback", "skinify"):
        call_command("check_provider", "--provider", provider, stdout=out, stderr=out)
    return purchases, out.getvalue()


def _callbacks(client, purchase: Purchase) -> None:
    data = {"buy_id": purchase.buy_id, "custom_id": purchase.custom_id, "offer_status": "waiting_accept"}
    body = json.dumps({"event": "status_change", "data": {**data, "item": {"id": "1"}}}).encode()
    signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    url = "/webhooks/skinsback/"
    assert (
        client.post(url, body, content_type="application/json", HTTP_SIGNATURE=signature).status_code == 200
    )
    assert client.post(url, body, content_type="application/json", HTTP_SIGNATURE="f" * 64).status_code == 403


def _pages(client, purchases: list[Purchase]) -> dict[str, str]:
    """The HTML of the admin pages an operator or support person opens after such a run."""
    user = purchases[0].steam_user
    urls = [reverse(f"admin:purchases_{m}_changelist") for m in ("purchase", "purchaseevent", "providercall")]
    urls += [
        reverse("admin:purchases_webhookevent_changelist"),
        reverse("admin:purchases_steamuser_changelist"),
    ]
    urls += [reverse("admin:purchases_purchase_change", args=[p.pk]) for p in purchases]
    urls += [reverse("admin:purchases_providercall_change", args=[pk]) for pk in _ids(ProviderCall)]
    urls += [reverse("admin:purchases_webhookevent_change", args=[pk]) for pk in _ids(WebhookEvent)]
    urls += [
        f"{reverse('admin:inventory_page', args=[user.steam_id])}?provider={p}"
        for p in ("skinsback", "skinify")
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def _ids(model) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True)[:50])


def _rows() -> dict[str, str]:
    """The rows that record what providers and callbacks said, dumped as text."""
    from django_q.models import Task

    return {
        "ProviderCall": serializers.serialize("json", ProviderCall.objects.all()),
        "WebhookEvent": serializers.serialize("json", WebhookEvent.objects.all()),
        "django_q Task": serializers.serialize("json", Task.objects.all()),
        "Purchase.raw": json.dumps(list(Purchase.objects.values_list("raw", flat=True)), default=str),
        "PurchaseEvent.payload": json.dumps(list(PurchaseEvent.objects.values_list("payload", flat=True))),
    }


def _leaks(texts: dict[str, str], secrets: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(where, secret) for where, text in texts.items() for secret in secrets if secret in text]


def test_no_secret_in_logs_pages_or_rows(canary_secrets, settings, admin_client_, every_logger_at_debug):
    purchases, command_output = _full_run(canary_secrets, settings)
    for purchase in purchases:
        purchase.refresh_from_db()
    _callbacks(admin_client_, next(p for p in purchases if p.provider == "skinsback"))
    pages = _pages(admin_client_, purchases)
    own_page = reverse("admin:purchases_steamuser_change", args=[purchases[0].steam_user_id])
    own = admin_client_.get(own_page).content.decode()
    records = every_logger_at_debug.records
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)

    # the run really happened: both providers, inventories, signed SkinsBack requests, a valid callback
    calls = ProviderCall.objects
    assert (
        calls.filter(provider="skinify").exists() and calls.filter(method__icontains="inventory").count() >= 2
    )
    assert calls.filter(provider="skinsback", request_excerpt__contains='"sign": ').exists()
    assert WebhookEvent.objects.filter(valid=True).exists() and "urllib3" in logs
    assert not {p.state for p in Purchase.objects.all()} & {"pending", "unconfirmed"}

    assert TRADE_TOKEN in own  # the trade URL's edit field: the one page that shows it, on purpose
    assert not _leaks({own_page: own}, PROVIDER_SECRETS)
    assert not _leaks({"logs": logs, "check_provider": command_output}, EVERY_SECRET)
    assert not _leaks(pages, EVERY_SECRET)
    assert not _leaks(_rows(), EVERY_SECRET)
