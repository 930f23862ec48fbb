"""The "Buy skins" page with hundreds of results (issue 21, point 2): sorted by price, wear or name before the
rows are capped, the sticky bar's first figures, ticks kept across a new order; the ways in (the Steam user
list's row links, the dashboard's "Buy skins") and who sees them."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from purchases.admin.market import SEARCH_LIMIT
from purchases.admin.market_rows import SORT_KEYS, total_text, wear_of
from purchases.forms import SORTS
from purchases.providers.base import CatalogEntry
from tests.factories import make_user

from .helpers import CHOOSE_URL, market_url, text

pytestmark = pytest.mark.django_db

USERS_URL = reverse("admin:purchases_steamuser_changelist")
INDEX_URL = reverse("admin:index")
WEARS = ["Battle-Scarred", "Factory New", "Well-Worn", "Minimal Wear", "Field-Tested"]


def entries(count: int) -> list[CatalogEntry]:
    """`count` results in no useful order: prices 0.50..., every wear, a few items without a wear."""
    found = []
    for n in range(count):
        wear = WEARS[n % 5] if n % 7 else ""
        name = f"Skin {n:03d}" + (f" ({wear})" if wear else "")
        price = Decimal(50 + (n * 37) % 1000) / 100
        found.append(CatalogEntry("skinsback", name, price, str(10_000_000 + n), "cs2", "310", "0"))
    return found


def search(client, user, sort: str = "", **extra):
    query = {"provider": "skinsback", "game": "cs2", "name": "Skin", "sort": sort, **extra}
    response = client.get(market_url(user), query)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    ("name", "wear"),
    [
        ("AK-47 | Redline (Field-Tested)", "Field-Tested"),
        ("StatTrak™ AWP | Asiimov (Battle-Scarred)", "Battle-Scarred"),
        ("★ Karambit | Doppler (Factory New)", "Factory New"),
        ("Sticker | Titan (Holo) | Katowice 2014", ""),
        ("Glock-18 | Gamma Doppler (Phase 2) ", ""),
        ("Operation Breakout Weapon Case", ""),
    ],
)
def test_wear_is_read_from_the_closing_parentheses(name, wear):
    assert wear_of(name) == wear


def test_every_sort_of_the_form_has_its_order():
    assert {code for code, _ in SORTS} == {"", *SORT_KEYS}


def test_total_has_two_decimals_and_says_about_when_rounded():
    assert total_text(Decimal("1234.5")) == "1,234.50 USD"
    assert total_text(Decimal("0.125") + Decimal("1")) == "about 1.13 USD"


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("price", lambda r: Decimal(r["price"])),
        ("-price", lambda r: -Decimal(r["price"])),
        ("name", lambda r: r["name"].casefold()),
    ],
)
def test_300_results_sorted_on_the_server(operator_client, fake_provider, sort, key):
    fake_provider.search_result = entries(300)
    rows = search(operator_client, make_user(), sort).context["results"]
    assert len(rows) == 300
    assert [key(r) for r in rows] == sorted(key(r) for r in rows)


def test_sort_by_wear_goes_factory_new_to_battle_scarred_then_no_wear(operator_client, fake_provider):
    fake_provider.search_result = entries(300)
    rows = search(operator_client, make_user(), "wear").context["results"]
    order = ["Factory New", "Minimal Wear", "Field-Tested", "Well-Worn", "Battle-Scarred", ""]
    seen = [r["wear"] for r in rows]
    assert seen == sorted(seen, key=order.index)
    assert seen[0] == "Factory New" and seen[-1] == ""
    assert ">Factory New</td>" in text(search(operator_client, make_user(), "wear"))  # its own column


def test_sort_comes_before_the_cap_and_the_page_says_what_is_left_out(operator_client, fake_provider):
    found = entries(SEARCH_LIMIT + 100)
    fake_provider.search_result = found
    response = search(operator_client, make_user(), "price")
    rows = response.context["results"]
    cheapest = sorted(found, key=lambda e: (e.price, e.name.casefold()))[:SEARCH_LIMIT]
    assert [r["id"] for r in rows] == [e.item_id for e in cheapest]
    assert response.context["found"] == SEARCH_LIMIT + 100
    cut = f"{SEARCH_LIMIT + 100} found: only the first {SEARCH_LIMIT} by price, lowest first"
    assert cut in text(response)


def test_the_page_has_the_sticky_bar_the_focused_box_and_no_inline_script(operator_client, fake_provider):
    fake_provider.search_result = entries(300)
    page = text(search(operator_client, make_user()))
    assert re.search(r'<input[^>]*name="name"[^>]*autofocus', page)
    assert 'id="bo-pick-bar"' in page and 'id="bo-pick-submit"' in page and 'accesskey="c"' in page
    assert (
        '<strong id="bo-pick-count">0</strong>' in page
        and '<strong id="bo-pick-total">0.00 USD</strong>' in page
    )
    assert page.index('id="bo-results"') < page.index('id="bo-pick-bar"')  # it closes the list (sticky)
    assert "pick_all.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # the CSP allows no inline script
    assert not re.search(r"\son[a-z]+=", page)  # nor inline handlers


def test_table_heads_search_again_in_another_order(operator_client, fake_provider):
    fake_provider.search_result = entries(10)
    response = search(operator_client, make_user(), "price", picked="10000001")
    links = response.context["sort_links"]
    assert "sort=-price" in links["price"] and "sort=wear" in links["wear"] and "sort=name" in links["name"]
    assert all("name=Skin" in link and "picked" not in link for link in links.values())
    assert 'aria-sort="ascending"' in text(response)


def test_a_re_sorted_search_keeps_the_ticks_and_the_bar_counts_them(operator_client, fake_provider):
    fake_provider.search_result = entries(300)
    ticked = ["10000001", "10000002", "10000299"]
    response = search(operator_client, make_user(), "-price", picked=",".join([*ticked, "999"]))
    prices = {e.item_id: e.price for e in entries(300)}
    assert response.context["ticked_count"] == 3
    assert response.context["ticked_total"] == f"{sum(prices[i] for i in ticked):,.2f} USD"
    page = text(response)
    for item_id in ticked:
        assert re.search(rf'value="{item_id}" id="bo-pick-{item_id}" class="bo-pick" checked', page)
    assert page.count(" checked>") == 3


def test_picking_from_300_goes_to_the_confirmation_with_those_lines(operator_client, fake_provider):
    fake_provider.search_result = entries(300)
    user = make_user()
    query = "?provider=skinsback&game=cs2&name=Skin&sort=price"
    page = operator_client.get(market_url(user) + query)
    picked = [r["id"] for r in page.context["results"][:3]] + [page.context["results"][-1]["id"]]
    response = operator_client.post(
        market_url(user) + query, {"results": page.context["signed"], "picked": picked}, follow=True
    )
    lines = response.context["plan"].lines
    assert sorted(line.item.provider_item_id for line in lines) == sorted(picked)


# ------------------------------------------------------------------------------- the ways in, and who sees them


def row_links(response) -> tuple[int, int]:
    page = text(response)
    return page.count('class="bo-row-buy"'), page.count('class="bo-row-inventory"')


def test_operator_sees_buy_and_inventory_on_every_steam_user_row(operator_client):
    users = [make_user() for _ in range(3)]
    response = operator_client.get(USERS_URL)
    assert row_links(response) == (3, 3)
    page = text(response)
    for user in users:
        assert f'href="{market_url(user)}" class="bo-row-buy"' in page
        inventory = reverse("admin:inventory_page", args=[user.steam_id])
        assert f'href="{inventory}" class="bo-row-inventory"' in page


def test_support_sees_inventory_but_no_buy_link_on_the_rows(support_client):
    make_user(), make_user()
    response = support_client.get(USERS_URL)
    assert response.status_code == 200
    assert row_links(response) == (0, 2)
    assert "/buy/" not in text(response)


def test_dashboard_offers_buy_skins_to_who_may_buy_only(operator_client, support_c, fake_provider):
    page = text(operator_client.get(INDEX_URL))
    assert 'id="bo-dash-buy"' in page and f'href="{CHOOSE_URL}" id="bo-dash-buy-link"' in page
    support_page = text(support_c.get(INDEX_URL))
    assert "bo-dash-buy" not in support_page and CHOOSE_URL not in support_page


def test_dashboard_buy_skins_chooses_the_user_then_their_market_search(operator_client, fake_provider):
    user = make_user(display_name="Gabe Newell")
    page = operator_client.get(CHOOSE_URL)
    assert page.status_code == 200 and 'id="bo-choose-user"' in text(page)
    response = operator_client.get(CHOOSE_URL, {"items": "", "steam_user": "", "steam_id": user.steam_id})
    assert response.status_code == 302 and response["Location"] == market_url(user)
    assert fake_provider.reads == []  # choosing who asks no provider anything


def test_support_cannot_open_the_choose_page_from_a_typed_url(support_client):
    assert support_client.get(CHOOSE_URL).status_code == 403
