"""Issue 13's support pages in Chromium at 1440 px: the error pages, the find box by name, the Steam user's
purchases, the inventory's money and images, the dashboard's words, Skinify's search by a part of a name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from purchases.roles import setup_roles
from tests.factories import make_purchase, make_user

from .conftest import GREY_SQUARE, STEAM_CDN, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Support-pages-pw-2024"
VENDOR_STEAM_ID = "76561198050648523"  # the sandbox answers this user's inventory with the vendor's example


def staff(username: str, group: str) -> None:
    setup_roles()
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))


def test_support_gets_a_403_and_an_unknown_steam_id_a_404_inside_the_admin(page, live_server, sandbox):
    staff("sam.support", "Support")
    user = make_user(display_name="Redline Rick")
    login(page, live_server, "sam.support", PASSWORD)
    came_from = f"{live_server.url}/admin/purchases/steamuser/{user.pk}/change/"
    page.goto(f"{live_server.url}/admin/purchases/steamuser/{user.pk}/buy/", referer=came_from)
    assert page.locator("#site-name").is_visible() and page.locator("#user-tools").is_visible()
    text = page.inner_text("#content")
    assert "You may not do this" in text and "Buying skins needs the Operators role; ask an admin" in text
    assert page.locator("#bo-error-links a", has_text="Back to the page you came from").is_visible()
    screenshot(page, "support_403")

    page.goto(f"{live_server.url}/admin/inventory/76561198000009999/")
    assert page.locator("#user-tools").is_visible()
    assert "No Steam user with the Steam id 76561198000009999" in page.inner_text("#content")
    screenshot(page, "inventory_404")
    page.click("text=Look the id up among the Steam users")
    page.wait_for_url("**/admin/purchases/steamuser/?q=76561198000009999")

    page.click("#bo-site-link")  # was "View site", a 404
    page.wait_for_url("**/admin/purchases/purchase/find/")


def test_find_a_user_by_name_and_read_their_purchases(page, live_server, sandbox):
    staff("sam.support", "Support")
    rick = make_user(display_name="Redline Rick")
    make_user(display_name="Redline Rose")
    make_user(display_name="Ann Redline")  # contains the word, does not start with it
    for n in range(12):
        make_purchase(
            steam_user=rick,
            custom_id=f"bo-rick-{n:04d}",
            item_name=f"AK-47 | Redline (Field-Tested) #{n}",
            state=["delivered", "failed", "in_progress"][n % 3],
            price=Decimal("1234.5") if n % 3 == 0 else None,
            max_price=Decimal("1500"),
        )
    login(page, live_server, "sam.support", PASSWORD)
    page.fill("#bo-find-q", "  REDLINE r")
    page.press("#bo-find-q", "Enter")
    page.wait_for_selector("#bo-found-users")
    names = page.locator("#bo-found-users tbody th").all_inner_texts()
    assert names == ["Redline Rick", "Redline Rose"]
    screenshot(page, "find_by_name")

    page.fill("#bo-find-q", "BO-RICK-0003 ")  # a custom_id in capitals, with a space
    page.press("#bo-find-q", "Enter")
    page.wait_for_url("**/admin/purchases/purchase/*/change/")

    page.goto(f"{live_server.url}/admin/purchases/purchase/find/?q=redline+rick")
    page.wait_for_url(f"**/admin/purchases/steamuser/{rick.pk}/change/")
    totals = page.inner_text("#bo-user-totals")
    assert "12 purchases" in totals and "4,938.00 USD delivered" in totals and "4 in progress" in totals
    assert page.locator("#bo-user-recent tbody tr").count() == 10
    assert page.locator("#bo-user-recent .bo-badge").first.is_visible()
    page.locator("#bo-user-purchases").scroll_into_view_if_needed()
    screenshot(page, "steam_user_purchases")
    page.locator("#bo-user-recent tbody a").first.click()
    page.wait_for_url("**/admin/purchases/purchase/*/change/")


def test_inventory_money_currency_and_broken_images(page, live_server, sandbox):
    staff("sam.support", "Support")
    make_user(steam_id=VENDOR_STEAM_ID, display_name="Gabe Example")
    broken = {"n": 0}

    def some_images_fail(route):
        broken["n"] += 1
        if broken["n"] % 4 == 1:
            route.abort()  # the CDN does not deliver this one
        else:
            route.fulfill(content_type="image/svg+xml", body=GREY_SQUARE)

    page.unroute(STEAM_CDN)
    page.route(STEAM_CDN, some_images_fail)
    login(page, live_server, "sam.support", PASSWORD)
    query = "provider=skinsback&game=cs2&currency=rub&custom_currency=pts&rate=0.25"
    page.goto(f"{live_server.url}/admin/inventory/{VENDOR_STEAM_ID}/?{query}")
    page.wait_for_selector("#inv-grid")
    note = page.inner_text("#inv-currency")  # the sandbox prices in RUB whatever is asked: said so
    assert "custom currency PTS" in note and "priced in RUB" in note
    usd = page.locator(".inv-usd").all_inner_texts()
    assert usd and all(t == "—" or t.endswith(" USD") for t in usd)
    assert "USD" in page.inner_text("#inv-summary")
    page.locator(".inv-img.is-broken").first.wait_for()  # static/inventory/inventory.js marks it
    assert page.locator(".inv-img.is-broken").first.is_visible()
    screenshot(page, "inventory_money")


def test_dashboard_says_what_not_offered_means(page, live_server, sandbox):
    staff("sam.support", "Support")
    for price in ("1234.5", "8120", "0.07"):
        make_purchase(state="delivered", price=Decimal(price), balance_debited=Decimal(price))
    login(page, live_server, "sam.support", PASSWORD)
    page.wait_for_selector("#bo-providers")
    assert "no status endpoint" in page.inner_text("#bo-providers .bo-provider-skinify")
    assert "Skinify does not publish one" in page.inner_text("#bo-status-note-skinify")
    screenshot(page, "dashboard_words")


def test_skinify_search_by_a_part_of_the_name(page, live_server, sandbox):
    staff("olga.operator", "Operators")
    user = make_user(steam_id=VENDOR_STEAM_ID, display_name="Gabe Example")
    login(page, live_server, "olga.operator", PASSWORD)
    page.goto(
        f"{live_server.url}/admin/purchases/steamuser/{user.pk}/buy/?provider=skinify&game=cs2&name=Redline"
    )
    page.wait_for_selector("#bo-results")
    names = page.locator("#bo-results tbody label").all_inner_texts()
    assert names and all("redline" in n.casefold() for n in names)
    assert page.locator("#bo-no-results").count() == 0
    screenshot(page, "skinify_search_redline")
