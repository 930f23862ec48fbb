"""Shared by the page tests: a signed SkinsBack callback through the real view, query counting."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

WEBHOOK_URL = "/webhooks/skinsback/"
SECRET = "pages-hook-secret"


def send_callback(client, purchase, status: str, **extra):
    data = {
        "item": {"id": "1"},
        "buy_id": purchase.buy_id,
        "offer_status": status,
        "custom_id": purchase.custom_id,
    }
    body = json.dumps({"event": "status_change", "data": {**data, **extra}}).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_SIGNATURE=signature)
    assert response.status_code == 200
    return response


def queries(client, url: str, params: dict | None = None) -> tuple[int, object]:
    """(SQL queries, response) of one GET."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response
