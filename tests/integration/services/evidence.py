"""Helpers for the tests of issue 11: provider answers shaped like the vendor pages, through `responses`."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs

import responses
from django.utils import timezone

from purchases.models import Purchase
from tests.fixtures import vendor

SB_URL = "https://skinsback.test/api.php"
SF_URL = "https://skinify.test/api/"
HOOK_SECRET = "hook-secret"


def mocked_providers(settings):
    """Both providers pointed at `responses` (and the callback secret known), for the `api` fixture."""
    settings.SKINSBACK_API_URL = SB_URL
    settings.SKINIFY_API_URL = SF_URL
    settings.SKINSBACK_WEBHOOK_SECRET = HOOK_SECRET
    settings.PROVIDER_READ_RETRIES = 0
    return responses.RequestsMock(assert_all_requests_are_fired=False)


def getinfo_item(**fields) -> dict:
    """The vendor's market_getinfo example (no custom_id, no hold fields), as one `items[]` element."""
    item = {k: v for k, v in vendor.load("skinsback_market_getinfo.en").items() if k != "status"}
    item.update(fields)
    return item


def items(*entries) -> dict:
    return {"status": "success", "items": list(entries)}


def vendor_batch_without_echo() -> dict:
    body = copy.deepcopy(vendor.load("skinsback_market_batch_buy"))
    for entry in body["purchased"].values():
        del entry["custom_id"]
    return body


def methods(api) -> list[str]:
    return [sent(call).get("method", call.request.url) for call in api.calls]


def sent(call) -> dict:
    body = call.request.body or ""
    body = body.decode() if isinstance(body, bytes) else body
    try:
        return json.loads(body)
    except ValueError:
        return {k: v[0] for k, v in parse_qs(body).items()}


def age(purchase: Purchase, minutes: int = 11) -> None:
    Purchase.objects.filter(pk=purchase.pk).update(sent_at=timezone.now() - timedelta(minutes=minutes))


def post_callback(client, data: dict, event: str = "status_change"):
    body = json.dumps({"event": event, "data": data}).encode()
    signature = hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/skinsback/", data=body, content_type="application/json", HTTP_SIGNATURE=signature
    )


def fresh(purchase: Purchase) -> Purchase:
    return Purchase.objects.get(pk=purchase.pk)
