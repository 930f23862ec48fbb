"""Issue 19, point 5, in a browser: the pages that had inline script work under the policy (the purchase
page with its hold countdown, the inventory's broken images) and the browser reports no violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from purchases.roles import setup_roles
from tests.factories import make_purchase, make_user

from .conftest import STEAM_CDN, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Csp-pages-pw-2024"
VENDOR_STEAM_ID = "76561198050648523"


def violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def test_pages_run_under_the_policy_without_violations(page, live_server, sandbox):
    setup_roles()
    user = get_user_model().objects.create_user("olga.csp", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Operators"))
    steam_user = make_user(steam_id=VENDOR_STEAM_ID, display_name="Gabe Example")
    held = make_purchase(
        steam_user=steam_user, state="on_hold", hold_until=timezone.now() + timedelta(days=3)
    )
    seen = violations(page)
    page.unroute(STEAM_CDN)
    page.route(STEAM_CDN, lambda route: route.abort())  # every image fails: the script marks them
    login(page, live_server, "olga.csp", PASSWORD)
    for path in ("/admin/", "/admin/purchases/purchase/", f"/admin/purchases/purchase/{held.pk}/change/"):
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
    page.goto(f"{live_server.url}/admin/inventory/{VENDOR_STEAM_ID}/")
    page.wait_for_selector("#inv-grid")
    page.locator(".inv-img.is-broken").first.wait_for()  # inventory.js, not an onerror attribute
    screenshot(page, "csp_inventory_broken_images")
    assert seen == []
