"""The inventory page: access, what it shows for the vendor's example, caching, links, query count."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.providers.base import Inventory
from tests.factories import make_purchase, make_user
from tests.fakes import Call

from .conftest import VENDOR_STEAM_ID, fake_items

pytestmark = pytest.mark.django_db


def page_url(steam_id: str = VENDOR_STEAM_ID, **params: str) -> str:
    url = reverse("admin:inventory_page", args=[steam_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def cards(body: str) -> list[str]:
    return re.findall(r'<li class="inv-card[^"]*"[^>]*>.*?</li>', body, flags=re.S)


# ------------------------------------------------------------------------------------------ access


def test_url_is_under_admin_inventory():
    assert page_url() == f"/admin/inventory/{VENDOR_STEAM_ID}/"


def test_anonymous_is_sent_to_the_admin_login(client, steam_user, fake_provider):
    response = client.get(page_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert fake_provider.calls == []


def test_staff_without_the_permission_gets_403(client, steam_user, fake_provider, roles):
    user = get_user_model().objects.create_user("no.perm", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(page_url()).status_code == 403
    assert fake_provider.calls == []


@pytest.mark.parametrize("who", ["support_client", "operator_client", "admin_client_"])
def test_roles_with_the_permission_see_the_page(request, who, steam_user, fake_provider):
    client = request.getfixturevalue(who)
    assert client.get(page_url()).status_code == 200


def test_unknown_steam_user_is_404(support_client, fake_provider):
    assert support_client.get(page_url("76561198000009999")).status_code == 404
    assert fake_provider.calls == []


# ------------------------------------------------------------------------------------------ content


def test_vendor_example_renders_all_items_with_prices_as_given(support_client, steam_user, fake_provider):
    response = support_client.get(page_url())
    body = response.content.decode()
    found = cards(body)
    assert len(found) == 17
    disabled = [c for c in found if "is-disabled" in c]
    assert len(disabled) == 4
    assert all("Not accepted" in c for c in disabled)
    assert not any("Not accepted" in c for c in found if c not in disabled)
    # the disabled ones come last by default
    assert found[-4:] == disabled
    bandana = next(c for c in found if "4284666526576951869" in c)
    # the one money format (purchases/money.py): two places, separators, the currency code
    assert '<dd class="inv-local">6.49 RUB</dd>' in bandana
    assert '<dd class="inv-multiplied">12.98 RUB</dd>' in bandana
    assert '<dd class="inv-usd">0.07 USD</dd>' in bandana
    frame = next(c for c in found if "XXL Picture Frame" in c)
    assert (
        '<dd class="inv-local">12.98 RUB</dd>' in frame
        and '<dd class="inv-multiplied">25.97 RUB</dd>' in frame
    )


def test_cards_have_lazy_steam_images_with_size_and_alt(support_client, steam_user, fake_provider):
    body = support_client.get(page_url()).content.decode()
    images = re.findall(r"<img [^>]*>", body.split('id="inv-grid"')[1])
    assert len(images) == 17
    icon = fake_provider.answer.items[0].icon_url
    first = images[0]
    assert f'src="https://steamcommunity-a.akamaihd.net/economy/image/{icon}/200fx200f"' in first
    assert 'loading="lazy"' in first and 'width="200"' in first and 'height="200"' in first
    assert 'alt="Black Bandana"' in first


def test_page_has_admin_look_breadcrumbs_and_user(support_client, steam_user, fake_provider):
    body = support_client.get(page_url()).content.decode()
    assert 'id="site-name"' in body  # admin/base_site.html
    crumbs = body.split('class="breadcrumbs"')[1].split("</div>")[0]
    assert reverse("admin:index") in crumbs
    assert reverse("admin:purchases_steamuser_changelist") in crumbs
    assert reverse("admin:purchases_steamuser_change", args=[steam_user.pk]) in crumbs
    assert "Inventory" in crumbs
    assert "Gabe Example" in body and VENDOR_STEAM_ID in body


def test_summary_counts_and_totals_of_accepted_items(support_client, steam_user, fake_provider):
    response = support_client.get(page_url())
    summary = response.context["listing"].summary
    assert (summary.count, summary.accepted_count) == (17, 13)
    assert summary.total_usd == Decimal("1.31")
    assert summary.total_local == Decimal("121.47")
    assert summary.total_multiplied == Decimal("242.98")
    line = response.content.decode().split('id="inv-summary"')[1].split("</p>")[0]
    for text in ("17", "13", "1.31 USD", "121.47 RUB", "242.98 RUB"):
        assert text in line


def test_sort_filter_and_hide(support_client, steam_user, fake_provider):
    def names(**params):
        return [c["name"] for c in support_client.get(page_url(**params)).context["listing"].cards]

    by_price = names(sort="price_desc")
    assert by_price[:4] == [
        "Gun Box",
        "XXL Picture Frame",
        "Two Sided Hanging Sign",
        "One Sided Town Sign Post",
    ]
    assert names(sort="name_asc")[:2] == ["Black Bandana"] * 2
    assert names(q="BANDANA", sort="name_asc") == ["Black Bandana"] * 4 + ["Forest Camo Bandana"] * 2 + [
        "Snow Camo Bandana"
    ]
    hidden = names(hide_disabled="1")
    assert len(hidden) == 13 and "Cloth" not in hidden
    assert len(fake_provider.called("inventory")) == 1  # display changes reuse the cached answer


def test_hide_link_toggles_without_javascript(support_client, steam_user, fake_provider):
    body = support_client.get(page_url(sort="name_asc")).content.decode()
    link = re.search(r'<a href="\?([^"]*)" id="inv-hide-toggle">([^<]*)</a>', body)
    assert link and "hide_disabled=1" in link.group(1) and "sort=name_asc" in link.group(1)
    assert "Hide the 4 not accepted" in link.group(2)
    body = support_client.get(page_url(hide_disabled="1")).content.decode()
    assert "Show the 4 not accepted" in body
    assert len(cards(body)) == 13


def test_user_without_trade_url_gets_a_message_and_no_request(support_client, fake_provider):
    make_user(steam_id="76561198000000777", trade_url="")
    body = support_client.get(page_url("76561198000000777")).content.decode()
    assert "no valid trade URL" in body
    assert fake_provider.calls == []


def test_empty_inventory_is_said_plainly(support_client, steam_user, fake_provider):
    fake_provider.answer = Inventory(items=[], currency_local="usd")
    body = support_client.get(page_url()).content.decode()
    assert 'data-kind="empty"' in body and "The inventory is empty" in body


def test_provider_gets_the_users_token_and_options(support_client, steam_user, fake_provider):
    support_client.get(
        page_url(game="rust", currency="RUB", multiplier="1.50", custom_currency="pts", rate="0.25")
    )
    [call] = fake_provider.calls
    assert call == Call(
        "inventory",
        {
            "steam_id": VENDOR_STEAM_ID,
            "token": steam_user.token,
            "game": "rust",
            "currency": "rub",
            "multiplier": Decimal("1.50"),
            "custom_currency": "pts",
            "rate": Decimal("0.25"),
        },
        "skinsback",
    )
    assert isinstance(call.kwargs["multiplier"], Decimal) and isinstance(call.kwargs["rate"], Decimal)
    assert fake_provider.codes == ["skinsback"]


def test_skinify_is_asked_when_chosen(support_client, steam_user, fake_provider):
    support_client.get(page_url(provider="skinify"))
    assert fake_provider.codes == ["skinify"]


# ------------------------------------------------------------------------------------------ caching


def test_second_load_uses_the_cache_and_refresh_asks_again(support_client, steam_user, fake_provider):
    support_client.get(page_url())
    response = support_client.get(page_url())
    assert len(fake_provider.called("inventory")) == 1
    assert response.context["loaded"].from_cache
    response = support_client.get(page_url(refresh="1"))
    assert len(fake_provider.called("inventory")) == 2
    assert not response.context["loaded"].from_cache


def test_other_options_are_cached_apart(support_client, steam_user, fake_provider):
    support_client.get(page_url())
    support_client.get(page_url(currency="usd"))
    support_client.get(page_url(multiplier="1.5"))
    support_client.get(page_url(multiplier="1.50"))  # the same number: the same entry
    support_client.get(page_url(provider="skinify"))
    assert len(fake_provider.called("inventory")) == 4


def test_errors_are_not_cached(support_client, steam_user, fake_provider):
    from purchases.providers.base import Unavailable

    answer, fake_provider.answer, fake_provider.error = fake_provider.answer, None, Unavailable("x")
    support_client.get(page_url())
    fake_provider.error, fake_provider.answer = None, answer
    assert len(cards(support_client.get(page_url()).content.decode())) == 17
    assert len(fake_provider.called("inventory")) == 2


# ------------------------------------------------------------------------------------------ links, queries


def test_steam_user_admin_page_links_to_the_inventory(admin_client_, steam_user):
    body = admin_client_.get(reverse("admin:purchases_steamuser_change", args=[steam_user.pk])).content
    assert f'href="{page_url()}"'.encode() in body


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_small_and_does_not_grow_with_items(support_client, steam_user, fake_provider):
    make_purchase(steam_user=steam_user)
    small = count_queries(support_client, page_url(refresh="1"))
    fake_provider.answer = Inventory(items=fake_items(1000), currency_local="rub")
    large = count_queries(support_client, page_url(refresh="1"))
    cached = count_queries(support_client, page_url())
    assert small == large
    assert large <= 10  # session, user, 2 x permissions, Steam user, cache read + write
    assert cached <= large


# ------------------------------------------------------------------------------------------ multiplier


@pytest.mark.parametrize(("multiplier", "said"), [("2", False), ("1.5", True), ("1", False)])
def test_the_page_says_when_the_provider_did_not_apply_the_multiplier(
    support_client, steam_user, fake_provider, multiplier, said
):
    fake_provider.answer = Inventory(items=fake_items(8), currency_local="rub")  # multiplied x2
    body = support_client.get(page_url(multiplier=multiplier)).content.decode()
    assert ('id="inv-multiplier-note"' in body) is said
    if said:
        assert f"did not apply the multiplier {multiplier}" in body


def test_no_multiplied_prices_at_all_is_said_too():
    from inventory.listing import multiplier_note
    from purchases.providers.base import InventoryItem

    bare = [InventoryItem(asset_id="1", name="x", price=Decimal("1"), price_local=Decimal("90"))]
    assert "returned no multiplied prices" in multiplier_note(bare, Decimal("1.5"), "SkinsBack")
    assert multiplier_note(bare, None, "SkinsBack") == ""
