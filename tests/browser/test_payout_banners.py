"""Payout controls on the dashboard, in Chromium against the sandbox: the red low-balance banner, and a
superuser pausing and resuming buying with the Buying card's buttons."""

from __future__ import annotations

from decimal import Decimal

import pytest

from purchases.models import BuyingPause

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_low_balance_banner_and_the_pause_button(page, live_server, moving_sandbox, superuser, settings):
    settings.SKINIFY_API_URL = moving_sandbox.skinify_url
    settings.PROVIDER_LOW_BALANCE_USD = "skinsback=100,skinify=50"
    moving_sandbox.state.balances["skinsback"] = Decimal("40")
    login(page, live_server, "root", "pw-root")

    page.goto(f"{live_server.url}/admin/")
    banner = page.locator("#bo-low-balance")
    assert banner.is_visible()
    assert (
        banner.inner_text()
        .splitlines()[1]
        .startswith("SkinsBack: 40.00 USD, below the threshold of 100.00 USD.")
    )
    assert "Skinify" not in banner.inner_text()
    assert page.locator("#bo-paused").count() == 0
    screenshot(page, "low_balance_banner")

    page.fill("#bo-pause-reason-skinsback", "balance too low, topping up")
    page.click("#bo-pause-skinsback")
    page.wait_for_selector("#bo-paused")
    assert "Buying from SkinsBack is paused since" in page.locator("#bo-paused").inner_text()
    assert "by root: balance too low, topping up" in page.locator("#bo-paused").inner_text()
    assert page.locator("#bo-resume-skinsback").is_visible()
    assert BuyingPause.objects.get().provider == "skinsback"
    screenshot(page, "buying_paused")

    page.click("#bo-resume-skinsback")
    page.wait_for_selector("#bo-pause-skinsback")
    assert page.locator("#bo-paused").count() == 0
    assert not BuyingPause.objects.exists()
