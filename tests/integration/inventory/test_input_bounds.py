"""Issue 19, points 3 and 4 on the inventory page: the custom currency rate is bounded above, and the
multiplier and rate take ASCII digits only; a bad value is a form error and nothing is asked."""

from __future__ import annotations

import pytest

from .test_page import page_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"custom_currency": "pts", "rate": "1e309"}, "rate", "The rate must be a number, like 1.5."),
        (
            {"custom_currency": "pts", "rate": "1000000.5"},
            "rate",
            "Rate 1000000.5: it must be at most 1,000,000.",
        ),
        (
            {"custom_currency": "pts", "rate": "\u0661\u0662"},
            "rate",
            "The rate must be written with the digits 0-9.",
        ),
        ({"multiplier": "\uff11"}, "multiplier", "The multiplier must be written with the digits 0-9."),
        ({"multiplier": "1e0"}, "multiplier", "The multiplier must be a number"),
    ],
)
def test_unbounded_or_foreign_digit_amounts_ask_nothing(
    support_client, steam_user, fake_provider, params, field, message
):
    response = support_client.get(page_url(**params))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert fake_provider.calls == []


def test_the_largest_rate_is_sent_as_typed(support_client, steam_user, fake_provider):
    support_client.get(page_url(custom_currency="pts", rate="1000000"))
    (call,) = fake_provider.called("inventory")
    assert str(call.kwargs["rate"]) == "1000000"
