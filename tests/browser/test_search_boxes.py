"""Issue 21.1 in Chromium: one search rule in every box. The same terms (a name's start in any case, a
custom_id in upper case with spaces around it, a trade offer id) typed into the dashboard's find box, the
purchase list, the Steam user list and the buy page's Steam user autocomplete find the same people."""

from __future__ import annotations

import pytest

from purchases.search import SEARCH_HELP
from tests.factories import make_purchase, make_user

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOM_ID = "bo-6396a1b2c3d4e5f6a7b8"
TYPED_ID = "  BO-6396A1B2C3D4E5F6A7B8  "
OFFER_ID = "6021480571"


def people() -> None:
    mira = make_user(display_name="Mira Nova")
    make_purchase(
        steam_user=mira,
        custom_id=CUSTOM_ID,
        buy_id="129112705",
        trade_offer_id=OFFER_ID,
        item_name="AK-47 | Redline (Field-Tested)",
    )
    make_purchase(steam_user=mira, item_name="AWP | Asiimov (Battle-Scarred)")
    make_purchase(steam_user=make_user(display_name="mirage fan"), item_name="M4A4 | Howl (Minimal Wear)")
    make_purchase(
        steam_user=make_user(display_name="Admiral Mira"), item_name="Glock-18 | Fade (Factory New)"
    )


def search_list(page, url: str, term: str) -> list[str]:
    page.goto(url)
    page.fill("#searchbar", term)
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    return page.locator("#result_list tbody tr").all_inner_texts()


def options_once_settled(page, count: int) -> list[str]:
    """The autocomplete's options once its answer to the last keystroke shows (`count` of them)."""
    page.wait_for_function(
        """n => { const o = [...document.querySelectorAll('.select2-results__option')];
                 return o.length === n && !o.some(e => e.classList.contains('loading-results')); }""",
        arg=count,
    )
    return page.locator(".select2-results__option").all_inner_texts()


def test_every_box_finds_mira_by_the_start_of_her_name_and_by_her_ids(page, live_server, operator, sandbox):
    people()
    login(page, live_server, "olga.operator", "pw-olga.operator")

    # the dashboard's find box: a name's start in capitals lists both names starting so, not the Admiral
    page.fill("#bo-find-q", " MIRA ")
    page.press("#bo-find-q", "Enter")
    page.wait_for_selector("#bo-found-users")
    names = page.locator("#bo-found-users tbody th").all_inner_texts()
    assert names == ["Mira Nova", "mirage fan"]
    assert SEARCH_HELP in page.inner_text(".bo-find-help")
    screenshot(page, "search_find_by_name")
    page.click("#bo-find-all-purchases a")  # the purchase list, searched by the same term
    page.wait_for_url("**/purchase/?q=**")
    assert page.locator("#result_list tbody tr").count() == 3
    page.go_back()

    # the find box again: the custom_id in upper case with spaces opens her purchase
    page.fill("#bo-find-q", TYPED_ID)
    page.press("#bo-find-q", "Enter")
    page.wait_for_url("**/change/")
    assert CUSTOM_ID in page.inner_text("#content")

    # the purchase list: the name's start finds the purchases of both; the custom_id finds hers
    purchases = f"{live_server.url}/admin/purchases/purchase/"
    rows = search_list(page, purchases, "mira")
    assert len(rows) == 3 and not any("Glock" in row for row in rows)
    assert page.inner_text("#searchbar_helptext") == SEARCH_HELP
    screenshot(page, "search_purchase_list_by_name")
    rows = search_list(page, purchases, TYPED_ID)
    assert len(rows) == 1 and "Redline" in rows[0]

    # the Steam user list: the same two names; a trade offer id finds whom it went to
    users = f"{live_server.url}/admin/purchases/steamuser/"
    rows = search_list(page, users, "Mira")
    assert [row for row in rows if "Mira Nova" in row] and [row for row in rows if "mirage fan" in row]
    assert len(rows) == 2
    screenshot(page, "search_steam_user_list_by_name")
    rows = search_list(page, users, OFFER_ID)
    assert len(rows) == 1 and "Mira Nova" in rows[0]

    # the buy page's autocomplete: the same names, and her custom_id finds her
    page.goto(f"{live_server.url}/admin/purchases/purchase/buy/user/")
    page.click(".select2-selection")
    page.fill(".select2-search__field", "mira")
    options = options_once_settled(page, 2)
    assert "Mira Nova" in options[0] and "mirage fan" in options[1]  # in name order; not the Admiral
    assert "custom_id" in page.inner_text("#bo-choose-user-help")
    screenshot(page, "search_autocomplete_by_name")
    page.fill(".select2-search__field", TYPED_ID.strip())
    options = options_once_settled(page, 1)
    assert "Mira Nova" in options[0]
    screenshot(page, "search_autocomplete_by_custom_id")


def test_the_find_box_asks_the_providers_the_lowercase_custom_id(page, live_server, operator, sandbox):
    sandbox.state.create_purchases("skinsback", ["bo-feed0000111122223333"], status="waiting_accept")
    login(page, live_server, "olga.operator", "pw-olga.operator")
    page.fill("#bo-find-q", " BO-FEED0000111122223333 ")
    page.press("#bo-find-q", "Enter")
    page.wait_for_selector("#bo-found-skinsback")
    assert "SkinsBack knows bo-feed0000111122223333" in page.inner_text("#bo-found-skinsback")
    screenshot(page, "search_find_at_the_provider")
