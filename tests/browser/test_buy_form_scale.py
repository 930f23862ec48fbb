"""Issue 21.2 in Chromium at 1440 px: a 300-result "Buy skins" page. The dashboard's "Buy skins" leads to
the user's market search with the box focused; Enter searches; the results sort by price on the server;
the sticky bar (always in sight) counts and totals the ticked rows as they are ticked, by mouse, by
Shift+click and by the keyboard; a new order keeps the ticks; Continue lands on the confirmation with
exactly the ticked lines. The provider is the fake one (its search answers 300 entries)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from purchases.money import usd
from purchases.providers.base import CatalogEntry
from tests.factories import make_user

from .conftest import ARTIFACTS, VIEWPORT, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)
WEARS = ["Battle-Scarred", "Factory New", "Well-Worn", "Minimal Wear", "Field-Tested"]


@pytest.fixture
def market(fake_provider):
    """The fake provider's search answers 300 entries, in no useful order."""
    fake_provider.search_result = [
        CatalogEntry(
            "skinsback",
            f"AK-47 | Skin {n:03d} ({WEARS[n % 5]})",
            Decimal(50 + (n * 37) % 1000) / 100,
            str(10_000_000 + n),
            "cs2",
            "310",
            "0",
        )
        for n in range(300)
    ]
    return fake_provider


def bar(page) -> tuple[str, str]:
    return page.locator("#bo-pick-count").inner_text(), page.locator("#bo-pick-total").inner_text()


def prices(page) -> list[Decimal]:
    return [
        Decimal(p)
        for p in page.locator("#bo-results tbody tr").evaluate_all("rs => rs.map(r => r.dataset.price)")
    ]


def ticked_names(page) -> list[str]:
    return page.locator("#bo-results tr.bo-ticked label").all_inner_texts()


def bar_in_sight(page) -> bool:
    box = page.locator("#bo-pick-bar").bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"] + 0.5


def viewport_shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_market_from_the_dashboard(page, live_server, user) -> None:
    login(page, live_server, "olga.operator", "pw-olga.operator")
    viewport_shot(page, "buy_scale_dashboard")
    page.click("#bo-dash-buy-link")
    page.wait_for_url("**/purchase/buy/user/**")
    page.fill("#id_steam_id", user.steam_id)
    page.click("#bo-choose-user input[type=submit]")
    page.wait_for_url(f"**{reverse('admin:purchases_steamuser_buy', args=[user.pk])}")


def test_a_300_result_buy_with_the_sticky_bar(page, live_server, market, operator):
    user = make_user(display_name="Gabe Newell")
    open_market_from_the_dashboard(page, live_server, user)
    assert page.evaluate("document.activeElement.id") == "id_name"  # the box has the focus on load

    page.keyboard.type("Skin")
    page.keyboard.press("Enter")  # Enter in the box searches
    page.wait_for_selector("#bo-results")
    assert page.locator("#bo-results tbody tr").count() == 300
    assert bar(page) == ("0", "0.00 USD")
    assert page.locator("#bo-pick-submit").is_disabled()  # nothing ticked: nothing to continue with
    assert bar_in_sight(page)  # under the first rows, not 10,000 px below

    page.click("#bo-sort-price")  # the server sorts all the provider's answer
    page.wait_for_url("**sort=price**")
    shown = prices(page)
    assert len(shown) == 300 and shown == sorted(shown)

    rows = page.locator("#bo-results tbody tr")
    picks = page.locator(".bo-pick")
    picks.nth(0).check()
    assert bar(page) == ("1", usd(shown[0]))
    picks.nth(2).click()
    picks.nth(5).click(modifiers=["Shift"])  # a range: rows 2 to 5
    assert bar(page) == ("5", usd(shown[0] + sum(shown[2:6])))
    page.mouse.wheel(0, 6000)  # far down the list: the bar stays in sight
    picks.nth(150).check()
    total = shown[0] + sum(shown[2:6]) + shown[150]
    assert bar(page) == ("6", usd(total))
    assert bar_in_sight(page)
    viewport_shot(page, "buy_scale_sticky_bar")

    page.evaluate("window.scrollTo(0, 0)")
    picks.nth(3).uncheck()
    total -= shown[3]
    assert bar(page) == ("5", usd(total))
    expected = ticked_names(page)
    assert len(expected) == 5

    page.click("#bo-sort-price")  # highest first now: the ticks are kept
    page.wait_for_url("**sort=-price**")
    again = prices(page)
    assert again == sorted(again, reverse=True)
    assert bar(page) == ("5", usd(total))
    assert sorted(ticked_names(page)) == sorted(expected)
    assert rows.count() == 300
    viewport_shot(page, "buy_scale_resorted")  # the top: the heads, the order, the count

    page.click("#bo-pick-submit")
    page.wait_for_url("**/purchase/buy/confirm/**")
    lines = page.locator("#bo-lines tbody tr.bo-line")
    assert lines.count() == 5
    confirmed = " ".join(lines.all_inner_texts())
    assert all(name in confirmed for name in expected)
    screenshot(page, "buy_scale_confirm")


def test_keyboard_only_search_tick_and_continue(page, live_server, market, operator):
    user = make_user(display_name="Robin Walker")
    login(page, live_server, "olga.operator", "pw-olga.operator")
    page.goto(f"{live_server.url}{reverse('admin:purchases_steamuser_changelist')}")
    viewport_shot(page, "buy_scale_operator_users")
    page.click(f"a.bo-row-buy[href$='/{user.pk}/buy/']")  # the row's own "Buy skins"
    page.wait_for_url(f"**{reverse('admin:purchases_steamuser_buy', args=[user.pk])}")
    assert page.evaluate("document.activeElement.id") == "id_name"
    page.keyboard.type("Skin")
    page.keyboard.press("Enter")
    page.wait_for_selector("#bo-results")

    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_name'")
    tabs = 0
    while not page.evaluate("document.activeElement.classList.contains('bo-pick')") and tabs < 12:
        page.keyboard.press("Tab")  # the sort box, Search, the three sort heads, Tick all, the first row
        tabs += 1
    assert tabs == 7 and page.evaluate("document.activeElement.value") == "10000000"
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")  # row 2 again: unticked
    assert page.locator("#bo-pick-count").inner_text() == "2"
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")  # rows 0, 2, 3 and 4
    assert page.locator("#bo-pick-count").inner_text() == "4"
    names = page.locator("#bo-results tr.bo-ticked label").all_inner_texts()
    assert len(names) == 4
    viewport_shot(page, "buy_scale_keyboard")

    page.keyboard.press("Enter")  # Enter on a row: on to the confirmation
    page.wait_for_url("**/purchase/buy/confirm/**")
    lines = page.locator("#bo-lines tbody tr.bo-line")
    assert lines.count() == 4
    assert all(name in " ".join(lines.all_inner_texts()) for name in names)


def test_support_sees_no_buy_link_on_the_dashboard_or_the_rows(page, live_server, fake_provider, support):
    make_user(display_name="Gabe Newell")
    login(page, live_server, "sam.support", "pw-sam.support")
    assert page.locator("#bo-dash-buy").count() == 0
    page.goto(f"{live_server.url}{reverse('admin:purchases_steamuser_changelist')}")
    assert page.locator("a.bo-row-inventory").count() == 1
    assert page.locator("a.bo-row-buy").count() == 0
    screenshot(page, "buy_scale_support_users")
