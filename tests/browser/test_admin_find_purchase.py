"""The foundation's main flow: log in with the demo login, find a purchase by custom_id, read its timeline."""

import pytest
from django.core.management import call_command

from purchases.models import Purchase

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_login_finds_purchase_by_exact_custom_id(page, live_server, settings):
    settings.DEBUG = True  # seed_demo runs only in development
    call_command("seed_demo", "--admin")
    wanted = Purchase.objects.get(custom_id="demo-0006")  # on hold: buy and sync events

    login(page, live_server, "admin", "admin")
    page.goto(f"{live_server.url}/admin/purchases/purchase/")
    assert page.locator("#result_list tbody tr").count() == Purchase.objects.count()

    page.fill("#searchbar", "demo-0006")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=demo-0006")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    page.fill("#searchbar", "demo-000")  # a prefix is not a custom_id: nothing
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=demo-000")
    assert page.locator("#result_list tbody tr").count() == 0

    page.fill("#searchbar", wanted.custom_id)
    page.press("#searchbar", "Enter")
    page.click(f"#result_list a:text-is('{wanted.custom_id}')")
    page.wait_for_selector(".bo-timeline")
    timeline = page.locator(".bo-timeline li")
    assert timeline.count() == wanted.events.count() == 2
    assert "On hold" in timeline.nth(1).inner_text()
    badge = page.locator(".field-state_display .bo-badge")
    assert badge.inner_text() == "On hold"
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    screenshot(page, "purchase_timeline")
