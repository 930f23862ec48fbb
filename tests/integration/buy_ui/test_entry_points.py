"""The ways into the confirmation page: the item list, a Steam user's market search, "Buy again"."""

from decimal import Decimal

import pytest

from purchases.models import Item
from purchases.providers.base import CatalogEntry, NotSupported
from sandbox.server import SandboxServer
from tests.factories import make_item, make_user
from tests.fakes import Call

from .conftest import provider_error
from .helpers import CHOOSE_URL, CONFIRM_URL, ITEMS_URL, market_url, text

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------- item list -> choose user


def test_item_action_goes_to_choosing_the_user(operator_client, fake_provider):
    items = [make_item(name=f"Skin {n}") for n in range(3)]
    response = operator_client.post(
        ITEMS_URL, {"action": "buy_for_user", "_selected_action": [i.pk for i in items]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{CHOOSE_URL}?items={','.join(str(i.pk) for i in items)}"
    page = operator_client.get(response["Location"])
    assert page.status_code == 200
    assert list(page.context["items"]) == items
    assert "admin/js/autocomplete.js" in text(page)  # the Steam user field is an autocomplete


def test_choose_user_by_steam_id(operator_client):
    user, item = make_user(), make_item()
    response = operator_client.get(
        CHOOSE_URL, {"items": str(item.pk), "steam_user": "", "steam_id": user.steam_id}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM_URL}?steam_user={user.pk}&items={item.pk}"


def test_choose_user_from_the_autocomplete(operator_client, fake_provider):
    user, item = make_user(), make_item()
    response = operator_client.get(CHOOSE_URL, {"items": str(item.pk), "steam_user": user.pk}, follow=True)
    assert response.redirect_chain[-1][0] == f"{CONFIRM_URL}?steam_user={user.pk}&items={item.pk}"
    assert [line.item for line in response.context["plan"].lines] == [item]


def test_autocomplete_finds_steam_users_for_operators(operator_client):
    user = make_user(display_name="Gabe N")
    response = operator_client.get(
        "/admin/autocomplete/",
        {"term": "Gabe", "app_label": "purchases", "model_name": "purchase", "field_name": "steam_user"},
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(user.pk)]


@pytest.mark.parametrize(
    ("steam_id", "message"),
    [
        ("7656119800000000", "A Steam id has 17 digits; this one has 16."),
        ("76561198x00000001", "A Steam id has only digits"),
        ("12345678901234567", "A Steam id (SteamID64) starts with 7656119."),
        ("76561198999999999", "No Steam user 76561198999999999 here yet"),
        ("", "Choose a Steam user, or type a Steam id."),
    ],
)
def test_choose_user_refuses_bad_steam_ids(operator_client, steam_id, message):
    item = make_item()
    response = operator_client.get(
        CHOOSE_URL, {"items": str(item.pk), "steam_user": "", "steam_id": steam_id}
    )
    assert response.status_code == 200
    assert message in text(response)


def test_choose_user_without_items_says_so(operator_client):
    response = operator_client.get(CHOOSE_URL)
    assert "No items are selected" in text(response)


# ------------------------------------------------------------------------------- Steam user -> market search


def entry(item_id: str, name: str, price: str) -> CatalogEntry:
    return CatalogEntry("skinsback", name, Decimal(price), item_id, "cs2", "310", "0")


def test_market_search_shows_results_with_price_and_availability(operator_client, fake_provider):
    user = make_user()
    make_item(provider_item_id="10000002", name="AK-47 | Redline (Field-Tested)")
    fake_provider.search_result = [
        entry("10000001", "AK-47 | Redline (Minimal Wear)", "14.20"),
        entry("10000002", "AK-47 | Redline (Field-Tested)", "9.99"),
    ]
    response = operator_client.get(
        market_url(user), {"provider": "skinsback", "game": "cs2", "name": "Redline"}
    )
    assert response.status_code == 200
    assert fake_provider.reads == [Call("search", {"name": "Redline", "game": "cs2"}, "skinsback")]
    page = text(response)
    assert "AK-47 | Redline (Minimal Wear)" in page and "14.20 USD" in page and "on sale" in page
    assert response.context["known"] == {"10000002"}


def test_picked_results_are_upserted_and_confirmed(operator_client, fake_provider):
    user = make_user()
    stale = make_item(
        provider_item_id="10000002", name="AK-47 | Redline (Field-Tested)", price=Decimal("8.00")
    )
    fake_provider.search_result = [
        entry("10000001", "AK-47 | Redline (Minimal Wear)", "14.20"),
        entry("10000002", "AK-47 | Redline (Field-Tested)", "9.99"),
        entry("10000003", "AK-47 | Redline (Well-Worn)", "7.00"),
    ]
    query = "?provider=skinsback&game=cs2&name=Redline"
    page = operator_client.get(market_url(user) + query)
    response = operator_client.post(
        market_url(user) + query, {"results": page.context["signed"], "picked": ["10000001", "10000002"]}
    )
    assert response.status_code == 302
    new = Item.objects.get(provider="skinsback", provider_item_id="10000001")
    stale.refresh_from_db()
    assert (new.name, new.price, new.game, new.available) == (
        "AK-47 | Redline (Minimal Wear)",
        Decimal("14.20"),
        "cs2",
        True,
    )
    assert stale.price == Decimal("9.99") and stale.synced_at is not None
    assert not Item.objects.filter(provider_item_id="10000003").exists()
    # a provider named in the search is preferred by the confirmation ("Best price" names none)
    expected = f"{CONFIRM_URL}?steam_user={user.pk}&items={new.pk}%2C{stale.pk}&via=skinsback"
    assert response["Location"] == expected
    confirm = operator_client.get(response["Location"])
    assert [line.item for line in confirm.context["plan"].lines] == [new, stale]
    assert confirm.context["total"] == Decimal("15.62") + Decimal("10.99")


def test_pick_nothing_is_refused_without_asking_again(operator_client, fake_provider):
    user = make_user()
    fake_provider.search_result = [entry("10000001", "AK-47 | Redline (Minimal Wear)", "14.20")]
    query = "?provider=skinsback&game=cs2&name=Redline"
    signed = operator_client.get(market_url(user) + query).context["signed"]
    fake_provider.reset()
    response = operator_client.post(market_url(user) + query, {"results": signed})
    assert response.status_code == 200
    assert "Tick at least one item to buy." in text(response)
    assert "AK-47 | Redline (Minimal Wear)" in text(response)  # the results are still there
    assert fake_provider.reads == [] and Item.objects.count() == 0


def test_forged_results_are_refused(operator_client, fake_provider):
    user = make_user()
    response = operator_client.post(market_url(user), {"results": "forged:payload", "picked": ["1"]})
    assert response.status_code == 200
    assert "These search results have expired: search again." in text(response)
    assert Item.objects.count() == 0


def test_search_provider_error_is_a_message_not_a_500(operator_client, fake_provider):
    fake_provider.search_error = provider_error("under maintenance")
    response = operator_client.get(
        market_url(make_user()), {"provider": "skinsback", "game": "cs2", "name": "Redline"}
    )
    assert response.status_code == 200
    assert "SkinsBack did not answer the search" in text(response)
    assert "under maintenance" in text(response)


def test_search_without_provider_support_uses_the_local_catalog(operator_client, fake_provider):
    fake_provider.search_error = NotSupported("search is not offered", provider="skinify")
    item = make_item(provider="skinify", name="Glock-18 | Fade (Factory New)", price=Decimal("500.00"))
    make_item(provider="skinify", name="Glock-18 | Fade (Minimal Wear)", available=False)
    response = operator_client.get(
        market_url(make_user()), {"provider": "skinify", "game": "cs2", "name": "fade"}
    )
    assert [r["id"] for r in response.context["results"]] == [item.provider_item_id]
    assert "from our catalog" in text(response)


def test_search_name_needs_three_characters(operator_client, fake_provider):
    response = operator_client.get(
        market_url(make_user()), {"provider": "skinsback", "game": "cs2", "name": "AK"}
    )
    assert "Ensure this value has at least 3 characters" in text(response)
    assert fake_provider.reads == []


def test_market_search_against_the_sandbox(operator_client, settings):
    with SandboxServer(port=0, seed=3, speed=1.0) as sb:
        settings.SKINSBACK_API_URL = sb.skinsback_url
        settings.SKINSBACK_CLIENT_ID, settings.SKINSBACK_CLIENT_SECRET = "sandbox", "sandbox-secret"
        settings.SKINSBACK_AUTH = "headers"
        user = make_user()
        query = "?provider=skinsback&game=cs2&name=Redline"
        page = operator_client.get(market_url(user) + query)
        rows = page.context["results"]
        assert rows and all("Redline" in r["name"] for r in rows)
        assert dict(sb.state.requests) == {"market_search": 1}
        picked = [rows[0]["id"], rows[1]["id"]]
        response = operator_client.post(
            market_url(user) + query, {"results": page.context["signed"], "picked": picked}
        )
        assert response.status_code == 302
        assert sorted(Item.objects.values_list("provider_item_id", flat=True)) == sorted(picked)
        assert dict(sb.state.requests) == {"market_search": 1}  # picking asks nothing
        confirm = operator_client.get(response["Location"])
        assert confirm.context["balance"].amount == sb.state.balance("skinsback")
        assert dict(sb.state.requests) == {"market_search": 1, "balance": 1}


# ------------------------------------------------------------------------------- item list: refresh prices


def test_refresh_prices_updates_price_and_availability(operator_client, fake_provider):
    on_sale = make_item(
        provider_item_id="10000001", name="AK-47 | Redline (Minimal Wear)", price=Decimal("10")
    )
    sold = make_item(provider_item_id="10000002", name="AK-47 | Redline (Field-Tested)", price=Decimal("9"))
    fake_provider.search_result = [entry("10000001", "AK-47 | Redline (Minimal Wear)", "12.34")]
    response = operator_client.post(
        ITEMS_URL, {"action": "refresh_prices", "_selected_action": [on_sale.pk, sold.pk]}, follow=True
    )
    on_sale.refresh_from_db()
    sold.refresh_from_db()
    assert (on_sale.price, on_sale.available) == (Decimal("12.34"), True)
    assert sold.available is False
    assert "2 items refreshed; 1 no longer on sale." in text(response)


def test_refresh_prices_provider_error_is_a_message(operator_client, fake_provider):
    fake_provider.search_error = provider_error()
    item = make_item()
    response = operator_client.post(
        ITEMS_URL, {"action": "refresh_prices", "_selected_action": [item.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "The provider did not answer" in text(response)
