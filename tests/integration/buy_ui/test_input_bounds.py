"""Issue 19, points 3 and 4 on the buy confirmation page and in `buy_skins`: a huge or non-ASCII max price
is a clear form error (HTTP 200, no traceback), and nothing is created, enqueued or sent."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from purchases.models import Purchase
from tests.factories import make_item, make_user

from .helpers import form_data, open_confirm, text
from .test_bad_input import refused  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e309", "The max price must be a number, like 12.50."),
        ("1e26", "The max price must be a number, like 12.50."),
        ("10000000000000000000", "The max price must be at most 1,000,000 USD."),
        ("\u0661\u0662", "The max price must be written with the digits 0-9."),
        ("\uff11\uff12", "The max price must be written with the digits 0-9."),
    ],
)
def test_huge_or_foreign_digit_max_prices_are_a_form_error(operator_client, refused, value, message):  # noqa: F811
    item = make_item()
    page = open_confirm(operator_client, make_user(), [item])
    response = refused(form_data(page, **{f"max_i{item.pk}": value}))
    assert message in text(response)


@pytest.mark.parametrize("value", ["1e309", "1" + "0" * 26, "\u0661\u0662"])
def test_buy_skins_refuses_huge_or_foreign_digit_max_prices_without_a_traceback(fake_provider, value):
    user = make_user()
    with pytest.raises(CommandError, match="max price"):
        call_command(
            "buy_skins", "--steam-id", user.steam_id, "--name", "AK", "--game", "cs2", "--max-price", value
        )
    assert Purchase.objects.count() == 0
    assert fake_provider.calls == []


def test_buy_skins_refuses_a_fullwidth_digit_steam_id(fake_provider):
    user = make_user(steam_id="76561198100000099")
    fullwidth = user.steam_id[:-1] + "\uff19"
    with pytest.raises(CommandError, match="--steam-id"):
        call_command(
            "buy_skins", "--steam-id", fullwidth, "--name", "AK", "--game", "cs2", "--max-price", "5"
        )
    assert fake_provider.calls == []
