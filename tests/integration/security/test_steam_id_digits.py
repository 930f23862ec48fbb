"""Issue 19, point 4: a Steam id with a fullwidth digit is not a new Steam user next to the real one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from purchases.models import SteamUser
from tests.factories import make_user, trade_url_for

pytestmark = pytest.mark.django_db


def test_the_admin_refuses_a_fullwidth_digit_steam_id(operator_client):
    make_user(steam_id="76561198100000099")
    fullwidth = "7656119810000009\uff19"
    response = operator_client.post(
        reverse("admin:purchases_steamuser_add"),
        {
            "steam_id": fullwidth,
            "trade_url": trade_url_for("76561198100000099"),
            "display_name": "x",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "steam_id" in response.context["adminform"].form.errors
    assert list(SteamUser.objects.values_list("steam_id", flat=True)) == ["76561198100000099"]
