"""403 and 404 inside the admin's chrome, saying what happened and what to do next; "View site" fixed."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_support_buying_gets_a_403_in_the_admin_chrome(support_c):
    user = make_user()
    response = support_c.get(reverse("admin:purchases_steamuser_buy", args=[user.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="site-name"' in page and 'id="user-tools"' in page  # the admin's header
    assert "Buying skins needs the Operators role; ask an admin" in page
    assert "You are signed in as sam.support (Support)." in page
    assert reverse("admin:index") in page and reverse("admin:purchases_find") in page


def test_a_model_page_without_the_permission_names_what_is_missing(support_c):
    response = support_c.get(reverse("admin:purchases_steamuser_add"))
    assert response.status_code == 403
    assert "Adding Steam users needs the Operators role" in response.content.decode()


def test_the_referring_page_is_offered_back(support_c):
    user = make_user()
    came_from = "http://testserver" + reverse("admin:purchases_steamuser_change", args=[user.pk])
    response = support_c.get(reverse("admin:purchases_steamuser_buy", args=[user.pk]), HTTP_REFERER=came_from)
    assert f'href="{came_from}">Back to the page you came from' in response.content.decode()


def test_an_unknown_steam_id_on_the_inventory_page(support_c):
    response = support_c.get(reverse("admin:inventory_page", args=["76561198000009999"]))
    assert response.status_code == 404
    page = response.content.decode()
    assert 'id="user-tools"' in page and "Unknown Steam user" in page
    assert "No Steam user with the Steam id 76561198000009999 is in our database" in page
    assert "?q=76561198000009999" in page
    assert "Add this Steam user" not in page  # support may not add users


def test_an_operator_is_offered_to_add_the_user(operator_c):
    response = operator_c.get(reverse("admin:inventory_page", args=["76561198000009999"]))
    assert "Add this Steam user" in response.content.decode()


@override_settings(DEBUG=False)
def test_an_unknown_url_is_a_404_in_the_admin_chrome(support_c):
    response = support_c.get("/admin/purchases/nothing-here/at-all/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'id="user-tools"' in page and "Page not found" in page


def test_view_site_leads_to_the_find_page(support_c):
    page = support_c.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("admin:purchases_find")}" id="bo-site-link">Find a purchase</a>' in page
    assert "View site" not in page
