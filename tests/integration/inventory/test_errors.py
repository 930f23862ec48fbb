"""Every provider failure becomes a message that tells support what to do; never a 500."""

from __future__ import annotations

import logging

import pytest

from purchases.providers.base import (
    AuthError,
    InvalidResponse,
    RateLimited,
    Rejected,
    Timeout,
    Unavailable,
)

from .test_page import cards, page_url

pytestmark = pytest.mark.django_db

SB, SF = "skinsback", "skinify"
CASES = [
    (Rejected("user_inventory_is_hidden", provider=SB, code=6), "hidden", "make the inventory public"),
    (
        Rejected("private_inventory", provider=SF, code="private_inventory"),
        "hidden",
        "make the inventory public",
    ),
    (Rejected("invalid_trade_token", provider=SB, code=3), "bad_token", "new trade URL"),
    (Rejected("invalid_tradeurl", provider=SF, code="invalid_tradeurl"), "bad_token", "new trade URL"),
    (Rejected("error_invalid_token", provider=SF, code=None), "bad_token", "new trade URL"),
    (Rejected("user_not_tradable", provider=SB, code=5), "not_tradable", "trade status"),
    (Rejected("trade_unavailable", provider=SF, code="trade_unavailable"), "not_tradable", "trade status"),
    (Rejected("user_inventory_is_unavailable", provider=SB, code=7), "inventory_unavailable", "Try again"),
    (
        Rejected("unavaliable_inventory", provider=SF, code="unavaliable_inventory"),
        "inventory_unavailable",
        "Try again",
    ),
    (
        Unavailable("request_timeout", provider=SF, code="request_timeout"),
        "inventory_unavailable",
        "Try again",
    ),
    (Rejected("empty_inventory", provider=SF, code="empty_inventory"), "empty", "inventory is empty"),
    (Rejected("invalid_currency", provider=SB, code=4), "bad_options", "Change the currency"),
    (RateLimited("request_limit_reached", provider=SB, code=-7), "rate_limited", "Wait a minute"),
    (AuthError("invalid_client_secret", provider=SB, code=-10), "auth", "Tell an engineer to check"),
    (Unavailable("under_maintenance", provider=SB, code=-9), "unavailable", "maintenance"),
    (Timeout("no answer in 20 s", provider=SB), "timeout", "did not answer in time"),
    (
        InvalidResponse("HTTP 502: the answer is an HTML page", provider=SB),
        "invalid_response",
        "could not be read",
    ),
    (Rejected("something_new", provider=SB, code=42), "rejected", "refused"),
    (RuntimeError("boom"), "unexpected", "tell an engineer"),
]


@pytest.mark.parametrize(("error", "kind", "words"), CASES, ids=[c[1] + "-" + str(c[0])[:30] for c in CASES])
def test_provider_error_becomes_a_message(
    support_client, steam_user, fake_provider, caplog, error, kind, words
):
    fake_provider.error = error
    with caplog.at_level(logging.WARNING, logger="inventory"):
        response = support_client.get(page_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-kind="{kind}"' in body
    assert words in body
    assert cards(body) == []
    assert len(fake_provider.called("inventory")) == 1
    # logged: by the service (provider errors) or the view (anything else)
    assert any(steam_user.steam_id in record.getMessage() for record in caplog.records)


def test_auth_message_names_settings_not_secrets(support_client, steam_user, fake_provider, settings):
    settings.SKINSBACK_CLIENT_SECRET = "very-secret-value"
    fake_provider.error = AuthError("invalid_client_secret", provider=SB, code=-10)
    body = support_client.get(page_url()).content.decode()
    assert "SKINSBACK_CLIENT_SECRET" in body
    assert "very-secret-value" not in body
