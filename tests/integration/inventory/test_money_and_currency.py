"""The inventory page's money: one format for both providers, which currency the provider used, images."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.listing import card
from inventory.services import InventoryOptions
from inventory.views import currency_note
from purchases.providers.base import InventoryItem
from tests.integration.services.evidence import SB_URL, SF_URL

from .test_page import cards, page_url

pytestmark = pytest.mark.django_db


def sb_inventory(price: str, currency: str = "rub") -> dict:
    item = {"asset_id": "1", "name": "AWP | Dragon Lore", "icon_url": "abc", "tradable": True}
    entry = {"item": item, "price": price, "price_local": price, "multiplied_price_local": price}
    data = {"items": [{"disabled": False, **entry}], "currency_local": currency}
    return {"status": "success", "data": data}


def test_the_same_price_reads_the_same_under_both_providers(support_client, steam_user, api):
    api.post(SB_URL, json=sb_inventory("12312.0", "usd"))
    item = {
        "id": "1",
        "name": "AWP | Dragon Lore",
        "img": "abc",
        "tradable": 1,
        "disabled": 0,
        "price": "12312.00",
    }
    api.post(SF_URL + "steam-inventory", json={"inventory": [item], "success": True, "currency": "usd"})
    skinsback = cards(support_client.get(page_url(provider="skinsback")).content.decode())
    skinify = cards(support_client.get(page_url(provider="skinify")).content.decode())
    for found in (skinsback, skinify):
        assert '<dd class="inv-usd">12,312.00 USD</dd>' in found[0]
        assert "12312.0" not in found[0]


def test_card_amounts_in_the_money_format():
    item = InventoryItem("1", "X", Decimal("1234.5"), Decimal("90000"), Decimal("0.125"))
    shown = card(item, "rub")
    assert (shown["usd"], shown["local"], shown["multiplied"]) == (
        "1,234.50 USD",
        "90,000.00 RUB",
        "0.125 RUB",
    )
    assert card(InventoryItem("2", "Y", None), "")["local"] == "—"


def test_a_custom_currency_says_the_chosen_one_is_not_used():
    options = InventoryOptions(
        "skinsback", "cs2", currency="rub", custom_currency="pts", rate=Decimal("0.25")
    )
    note = currency_note(options, "pts", "SkinsBack")
    assert note.startswith("Local prices in PTS: the custom currency at 0.25 per USD.")
    assert "The currency chosen (RUB) is not used" in note


def test_a_custom_currency_the_provider_did_not_use_is_named():
    options = InventoryOptions(
        "skinsback", "cs2", currency="rub", custom_currency="pts", rate=Decimal("0.25")
    )
    note = currency_note(options, "rub", "SkinsBack")
    assert note == "You asked for the custom currency PTS (at 0.25 per USD); SkinsBack priced in RUB."


def test_a_currency_the_provider_did_not_use_is_named():
    options = InventoryOptions("skinify", "cs2", currency="eur")
    assert currency_note(options, "usd", "Skinify") == "You chose EUR; Skinify priced in USD."
    assert currency_note(InventoryOptions("skinsback", "cs2"), "rub", "SkinsBack") == (
        "Local prices in RUB, SkinsBack's default."
    )


def test_the_page_shows_the_currency_note(support_client, steam_user, api):
    api.post(SB_URL, json=sb_inventory("10", "pts"))
    body = support_client.get(page_url(currency="rub", custom_currency="pts", rate="0.25")).content.decode()
    note = body.split('id="inv-currency">')[1].split("</p>")[0]
    assert "PTS" in note and "(RUB) is not used" in note


def test_a_broken_image_falls_back_to_a_placeholder_without_a_request(support_client, steam_user, api):
    api.post(SB_URL, json=sb_inventory("10"))
    body = support_client.get(page_url()).content.decode()
    [found] = cards(body)
    assert '<div class="inv-img"><img ' in found
    # a script file in <head> (no inline handler: the Content-Security-Policy allows none) marks it broken
    assert "onerror" not in found
    head = body.split("</head>")[0]
    assert '<script src="/static/inventory/inventory.js"></script>' in head
