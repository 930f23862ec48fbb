"""Bad options get a clear message on the page and no provider request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.forms import InventoryForm

from .test_page import cards, page_url

pytestmark = pytest.mark.django_db

BAD_INPUT = [
    ({"multiplier": "0.4"}, "multiplier", "Multiplier 0.4: it must be from 0.5 to 2."),
    ({"multiplier": "2.5"}, "multiplier", "Multiplier 2.5: it must be from 0.5 to 2."),
    ({"multiplier": "abc"}, "multiplier", "The multiplier must be a number, like 1.5."),
    ({"currency": "ABCDE"}, "currency", "Currency “ABCDE”: use a 3 or 4 letter code, like usd or rub."),
    ({"currency": "r1b"}, "currency", "use a 3 or 4 letter code"),
    ({"custom_currency": "ABCDE", "rate": "1"}, "custom_currency", "use at most 4 letters"),
    ({"custom_currency": "pts"}, "rate", "A custom currency needs its rate (at least 0.1)."),
    ({"rate": "2"}, "custom_currency", "A rate needs the custom currency it belongs to."),
    ({"custom_currency": "pts", "rate": "0.05"}, "rate", "Rate 0.05: it must be at least 0.1."),
    ({"game": "csgo2"}, "game", "Unknown game “csgo2”: choose CS2, Dota 2 or Rust."),
    ({"game": "tf2"}, "game", "Unknown game “tf2”"),
    ({"provider": "steam"}, "provider", "Unknown provider “steam”"),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD_INPUT)
def test_bad_input_shows_the_message_and_asks_nothing(
    support_client, steam_user, fake_provider, params, field, message
):
    response = support_client.get(page_url(**params))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    body = response.content.decode()
    assert "errornote" in body and "nothing was asked of the provider" in body
    assert f'id="inv-field-{field}"' in body
    assert cards(body) == []
    assert fake_provider.calls == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"multiplier": "0.5"}, {"multiplier": Decimal("0.5")}),
        ({"multiplier": "2"}, {"multiplier": Decimal("2")}),
        ({"custom_currency": "PTS", "rate": "0.1"}, {"custom_currency": "PTS", "rate": Decimal("0.1")}),
        ({"currency": "Usdt"}, {"currency": "usdt"}),
        ({"game": "dota2"}, {"game": "dota2"}),
        ({}, {"provider": "skinsback", "game": "cs2", "currency": None, "multiplier": None}),
    ],
)
def test_good_input_reaches_the_provider_as_decimal(params, expected):
    form = InventoryForm.from_query(params)
    assert form.is_valid(), form.errors
    options = form.options()
    for name, value in expected.items():
        assert getattr(options, name) == value
        assert type(getattr(options, name)) is type(value)


def test_empty_url_is_the_default_view():
    form = InventoryForm.from_query({})
    assert form.is_valid()
    assert form.display() == {"name": "", "sort": "", "hide_disabled": False}
