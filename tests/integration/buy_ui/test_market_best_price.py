"""Issue 22 on a Steam user's "Buy skins" page: "Best price" is offered, and is the default, when more than
one provider is configured; it searches DEFAULT_PROVIDER's market and leaves the provider of each picked line
to the confirmation. A provider named in the search is preferred by the confirmation where it can buy."""

from decimal import Decimal

import pytest

from purchases.models import Item, Purchase, Route
from purchases.providers.base import CatalogEntry
from tests.factories import make_item, make_user
from tests.fakes import Call

from .helpers import CONFIRM_URL, form_data, market_url, text

pytestmark = pytest.mark.django_db

NAME = "AK-47 | Redline (Minimal Wear)"
SEARCH = {"game": "cs2", "name": "Redline"}


def search_and_pick(client, fake_provider, user, provider: str):
    fake_provider.search_result = [CatalogEntry("skinsback", NAME, Decimal("14.20"), "10000001", "cs2")]
    query = f"?provider={provider}&game=cs2&name=Redline"
    found = client.get(market_url(user) + query)
    picked = client.post(
        market_url(user) + query, {"results": found.context["signed"], "picked": ["10000001"]}
    )
    assert picked.status_code == 302
    return found, picked["Location"]


def test_best_price_is_the_default_with_two_providers(operator_client, fake_provider, settings):
    settings.BUY_PROVIDERS = ["skinsback", "skinify"]
    page = operator_client.get(market_url(make_user()))
    form = page.context["form"]
    assert form["provider"].value() == "best"
    assert [value for value, _ in form.fields["provider"].choices] == ["best", "skinsback", "skinify"]
    assert '<option value="best" selected>Best price</option>' in text(page)
    note = text(page).split('id="bo-best-note">')[1].split("</p>")[0]
    assert "SkinsBack's market" in note and "buys each line where it is cheapest" in note


def test_best_price_searches_the_default_providers_market_and_routes_the_lines(
    operator_client, fake_provider, settings, enqueue
):
    settings.DEFAULT_PROVIDER = "skinsback"
    user = make_user()
    make_item(provider="skinify", name=NAME, price=Decimal("13.80"))
    _found, location = search_and_pick(operator_client, fake_provider, user, "best")
    assert fake_provider.called("search") == [Call("search", {**SEARCH}, "skinsback")]
    assert "via=" not in location  # the confirmation chooses
    picked = Item.objects.get(provider="skinsback", provider_item_id="10000001")
    assert location == f"{CONFIRM_URL}?steam_user={user.pk}&items={picked.pk}"
    page = operator_client.get(location)
    (line,) = page.context["plan"].lines
    assert line.provider == "skinify" and line.price == Decimal("13.80")
    assert operator_client.post(CONFIRM_URL, form_data(page)).status_code == 302
    assert Purchase.objects.get().route == Route.BEST


def test_a_provider_named_in_the_search_is_preferred_where_it_can_buy(
    operator_client, fake_provider, enqueue
):
    user = make_user()
    cheaper = make_item(provider="skinify", name=NAME, price=Decimal("13.80"))
    _, location = search_and_pick(operator_client, fake_provider, user, "skinsback")
    assert location.endswith("&via=skinsback")
    page = operator_client.get(location)
    (line,) = page.context["plan"].lines
    assert line.provider == "skinsback" and line.offers["skinify"] == cheaper.pk  # may still switch
    assert operator_client.post(CONFIRM_URL, form_data(page)).status_code == 302
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.route, purchase.route_saving) == (
        "skinsback",
        Route.OPERATOR,
        Decimal("-0.40"),
    )


def test_one_provider_configured_offers_no_best_price(operator_client, fake_provider, settings):
    settings.BUY_PROVIDERS = ["skinsback"]
    page = operator_client.get(market_url(make_user()))
    form = page.context["form"]
    assert form["provider"].value() == "skinsback"
    assert "best" not in [value for value, _ in form.fields["provider"].choices]
    assert 'id="bo-best-note"' not in text(page)
