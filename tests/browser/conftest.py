"""Playwright driving Debian's /usr/bin/chromium (never a downloaded browser) against live_server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are still
# synchronous and safe, so let Django allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


#: the width issue 13 tried the pages at, with the admin's sidebar open
VIEWPORT = {"width": 1440, "height": 900}
STEAM_CDN = "https://steamcommunity-a.akamaihd.net/**"
#: tests never reach the internet: Steam's item images are answered with this grey square
GREY_SQUARE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
    '<rect width="200" height="200" fill="#9aa5b1"/></svg>'
)


@pytest.fixture
def page(browser, request):
    """A fresh page at VIEWPORT, Steam's CDN answered locally, the cache emptied (it is a table that
    outlives transactional tests); a full-page screenshot in test-artifacts/ when the test fails."""
    from django.core.cache import cache

    cache.clear()
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.route(STEAM_CDN, lambda route: route.fulfill(content_type="image/svg+xml", body=GREY_SQUARE))
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def moving_sandbox(settings):
    """A sandbox of its own whose trades move on their own (speed 1), both providers pointed at it."""
    from sandbox.server import SandboxServer

    with SandboxServer(port=0, seed=7, speed=1.0) as sb:
        settings.SKINSBACK_API_URL = sb.skinsback_url
        settings.SKINSBACK_CLIENT_ID = "sandbox"
        settings.SKINSBACK_CLIENT_SECRET = "sandbox-secret"
        settings.SKINSBACK_AUTH = "headers"
        settings.SKINIFY_API_URL = sb.skinify_url
        settings.SKINIFY_TOKEN = "sandbox-token"
        settings.DEFAULT_PROVIDER = "skinsback"
        yield sb


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def buy_ticked_items_for(page, term: str, label: str) -> None:
    """On the item list with items ticked: "Buy for a Steam user…", pick the user by typing `term` in
    the autocomplete and choosing `label`, and land on the confirmation page."""
    page.select_option("select[name=action]", "buy_for_user")
    page.click("button[name=index]")
    page.wait_for_url("**/purchase/buy/user/**")
    page.click(".select2-selection")
    page.fill(".select2-search__field", term)
    page.click(f".select2-results__option:has-text('{label}')")
    page.click("#bo-choose-user input[type=submit]")
    page.wait_for_url("**/purchase/buy/confirm/**")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
