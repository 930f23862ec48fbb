"""The page through the real SkinsBack and Skinify clients, their HTTP answered by `responses`."""

from __future__ import annotations

import pytest

from tests.fixtures import vendor
from tests.integration.services.evidence import SB_URL, SF_URL, sent

from .test_page import cards, page_url

pytestmark = pytest.mark.django_db


def test_vendor_example_through_the_skinsback_client(support_client, steam_user, api):
    api.post(SB_URL, body=vendor.load_text("skinsback_user_inventory"), content_type="application/json")
    body = support_client.get(page_url(currency="rub")).content.decode()
    found = cards(body)
    assert len(found) == 17
    assert sum("is-disabled" in c for c in found) == 4
    bandana = next(c for c in found if "4284666526576951869" in c)
    assert '<dd class="inv-local">6.49 RUB</dd>' in bandana
    assert '<dd class="inv-multiplied">12.98 RUB</dd>' in bandana
    [call] = api.calls
    request = sent(call)
    assert request["method"] == "user_inventory"
    assert (request["game"], request["steam_id"], request["currency"]) == ("cs2", steam_user.steam_id, "rub")
    assert request["trade_token"] == steam_user.token
    # the token is in the request, never on the page
    assert steam_user.token not in body


def test_vendor_error_through_the_skinsback_client(support_client, steam_user, api):
    api.post(SB_URL, json={"status": "error", "error_code": 6, "error_message": "user_inventory_is_hidden"})
    body = support_client.get(page_url()).content.decode()
    assert 'data-kind="hidden"' in body and "make the inventory public" in body


def test_skinify_is_asked_for_csgo_when_cs2_is_chosen(support_client, steam_user, api):
    item = {"id": "1", "name": "AK-47 | Redline", "img": "abc", "tradable": 1, "disabled": 0, "price": "8.28"}
    api.post(SF_URL + "steam-inventory", json={"inventory": [item], "success": True, "currency": "usd"})
    body = support_client.get(page_url(provider="skinify", game="cs2")).content.decode()
    [call] = api.calls
    assert sent(call)["game"] == "csgo"
    assert len(cards(body)) == 1 and '<dd class="inv-usd">8.28 USD</dd>' in body


def test_skinify_private_inventory(support_client, steam_user, api):
    api.post(SF_URL + "steam-inventory", json={"status": "error", "error_message": "private_inventory"})
    body = support_client.get(page_url(provider="skinify")).content.decode()
    assert 'data-kind="hidden"' in body
