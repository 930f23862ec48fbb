"""The inventory page in a real browser, against the sandbox provider (vendor example inventory)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from purchases.money import money
from tests.factories import make_user
from tests.fixtures import vendor

from .conftest import STEAM_CDN, login, screenshot

sandbox_server = pytest.importorskip("sandbox.server")

pytestmark = pytest.mark.django_db(transaction=True)

STEAM_ID = "76561198050648523"  # the sandbox answers the vendor page's example for this id
# Steam images: a grey square with a red disc, so a painted image can be told from the page background
PLACEHOLDER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
    '<rect width="200" height="200" fill="#9aa5b1"/><circle cx="100" cy="100" r="50" fill="#e4572e"/></svg>'
)


@pytest.fixture(scope="module")
def sb():
    with sandbox_server.SandboxServer(port=0) as server:
        yield server


@pytest.fixture
def inventory_page(page, live_server, settings, sb, support):
    settings.SKINSBACK_API_URL = sb.skinsback_url
    settings.SKINSBACK_CLIENT_ID = "sandbox"
    settings.SKINSBACK_CLIENT_SECRET = "sandbox-secret"
    settings.SKINSBACK_AUTH = "headers"
    settings.SKINIFY_API_URL = sb.skinify_url
    settings.SKINIFY_TOKEN = "sandbox-token"
    make_user(steam_id=STEAM_ID, display_name="Gabe Example")
    page.route(STEAM_CDN, lambda route: route.fulfill(content_type="image/svg+xml", body=PLACEHOLDER_SVG))
    login(page, live_server, support.username, "pw-" + support.username)
    page.goto(f"{live_server.url}/admin/inventory/{STEAM_ID}/")
    page.wait_for_selector("#inv-grid")
    return page


def inventory_requests(sb) -> int:
    return sb.state.requests["user_inventory"]


def vendor_items() -> dict[str, dict]:
    body = json.loads(vendor.load_text("skinsback_user_inventory"), parse_float=Decimal)
    return {entry["item"]["asset_id"]: entry for entry in body["data"]["items"]}


def test_inventory_page_shows_the_vendor_example(inventory_page, sb):
    page = inventory_page
    cards = page.locator(".inv-card")
    assert cards.count() == 17
    expected = vendor_items()
    for i in range(cards.count()):
        card = cards.nth(i)
        entry = expected[card.get_attribute("data-asset-id")]
        assert card.locator(".inv-name").inner_text() == entry["name"]
        assert card.locator(".inv-local").inner_text() == money(entry["price_local"], "RUB")
        assert card.locator(".inv-multiplied").inner_text() == money(entry["multiplied_price_local"], "RUB")
        assert card.locator("img").get_attribute("alt") == entry["name"]
        assert card.locator("img").get_attribute("loading") == "lazy"
    assert "17 items, 13 accepted" in page.locator("#inv-summary").inner_text()
    screenshot(page, "inventory")


def test_disabled_items_are_grey_labelled_and_last(inventory_page):
    page = inventory_page
    disabled = page.locator(".inv-card.is-disabled")
    assert disabled.count() == 4
    for i in range(disabled.count()):
        card = disabled.nth(i)
        look = card.evaluate("e => { const s = getComputedStyle(e); return [s.filter, s.opacity]; }")
        assert "grayscale" in look[0] or float(look[1]) < 1
        label = card.locator(".inv-not-accepted")
        assert label.is_visible() and label.inner_text().lower() == "not accepted"
    accepted = page.locator(".inv-card:not(.is-disabled)").first
    assert accepted.evaluate("e => getComputedStyle(e).filter") == "none"
    # accepted first, disabled after
    classes = page.locator(".inv-card").evaluate_all("cards => cards.map(c => c.className)")
    assert classes[-4:] == ["inv-card is-disabled"] * 4


def test_toggle_hides_disabled_items(inventory_page, sb):
    page = inventory_page
    before = inventory_requests(sb)
    page.click("#inv-hide-toggle")
    page.wait_for_url("**hide_disabled=1**")
    assert page.locator(".inv-card").count() == 13
    assert page.locator(".inv-card.is-disabled").count() == 0
    page.click("#inv-hide-toggle")  # and back
    expect(page.locator(".inv-card")).to_have_count(17)  # locators keep to the page's CSP (no eval)
    page.check("#id_hide_disabled")  # the checkbox does the same through the form
    page.click("button:text-is('Show')")
    expect(page.locator(".inv-card")).to_have_count(13)
    assert inventory_requests(sb) == before  # display changes come from the cache


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("multiplier", "0.4", "from 0.5 to 2"),
        ("multiplier", "2.5", "from 0.5 to 2"),
        ("currency", "ABCDE", "3 or 4 letter code"),
        ("rate", "0.05", "at least 0.1"),
    ],
)
def test_invalid_values_show_form_errors_and_send_nothing(inventory_page, sb, field, value, message):
    page = inventory_page
    before = inventory_requests(sb)
    if field == "rate":
        page.fill("#id_custom_currency", "pts")
    page.fill(f"#id_{field}", value)
    page.click("button[name=refresh]")  # a refresh would ask the provider, were the form valid
    page.wait_for_selector(".errornote")
    error = page.locator(f"#inv-field-{field} .errorlist")
    assert message in error.inner_text()
    assert page.locator(".inv-card").count() == 0
    assert inventory_requests(sb) == before
    if field == "multiplier" and value == "0.4":
        screenshot(page, "inventory_form_errors")


def test_provider_error_is_a_message_for_support(inventory_page, live_server, sb):
    page = inventory_page
    hidden = make_user(steam_id="76561198000000006", display_name="Private Pat")  # sandbox: code 6
    page.goto(f"{live_server.url}/admin/inventory/{hidden.steam_id}/")
    message = page.locator("#inv-problem")
    assert message.get_attribute("data-kind") == "hidden"
    assert "make the inventory public" in message.inner_text()
    assert page.locator(".inv-card").count() == 0
    screenshot(page, "inventory_hidden")
