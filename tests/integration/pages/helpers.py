"""Shared by the page tests: a signed SkinsBack callback through the real view, query counting."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.integration.services.evidence import HOOK_SECRET, post_callback

SECRET = HOOK_SECRET  # what settings.SKINSBACK_WEBHOOK_SECRET must be for send_callback to verify


def send_callback(client, purchase, status: str, **extra):
    """A status_change callback for `purchase`, signed and posted (evidence.post_callback); it must be taken."""
    data = {
        "item": {"id": "1"},
        "buy_id": purchase.buy_id,
        "offer_status": status,
        "custom_id": purchase.custom_id,
    }
    response = post_callback(client, {**data, **extra})
    assert response.status_code == 200
    return response


def queries(client, url: str, params: dict | None = None) -> tuple[int, object]:
    """(SQL queries, response) of one GET."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response
