"""The find page: each id kind, not found, found only at a provider (and imported), permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import Purchase, PurchaseEvent
from purchases.providers.base import Unavailable
from tests.factories import make_purchase, make_user

pytestmark = pytest.mark.django_db

FIND_URL = "/admin/purchases/purchase/find/"
IMPORT_URL = "/admin/purchases/purchase/find/import/"
LIST_URL = "/admin/purchases/purchase/"


def change_url(purchase: Purchase) -> str:
    return reverse("admin:purchases_purchase_change", args=[purchase.pk])


def test_the_url_and_its_name():
    assert reverse("admin:purchases_find") == FIND_URL
    assert reverse("admin:purchases_find_import") == IMPORT_URL


def test_empty_query_shows_the_box(support_c):
    response = support_c.get(FIND_URL)
    assert response.status_code == 200
    assert b'id="bo-find-q"' in response.content and b"autofocus" in response.content


@pytest.mark.parametrize("field", ["custom_id", "buy_id", "trade_offer_id"])
def test_each_purchase_id_goes_straight_to_the_purchase(support_c, field):
    wanted = make_purchase(custom_id="bo-find-1", buy_id="129112705", trade_offer_id="6021480571")
    make_purchase(custom_id="bo-find-10", buy_id="1291127050", trade_offer_id="60214805710")
    response = support_c.get(FIND_URL, {"q": f"  {getattr(wanted, field)} "})
    assert response.status_code == 302
    assert response["Location"] == change_url(wanted)


def test_steam_id_goes_to_the_users_purchases(support_c):
    user = make_user()
    mine = [make_purchase(steam_user=user), make_purchase(steam_user=user)]
    make_purchase()
    response = support_c.get(FIND_URL, {"q": user.steam_id})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST_URL}?q={user.steam_id}"
    listed = support_c.get(response["Location"]).context["cl"].result_list
    assert sorted(p.pk for p in listed) == sorted(p.pk for p in mine)


def test_a_buy_id_of_two_providers_goes_to_the_list(support_c):
    make_purchase(provider="skinsback", buy_id="777")
    make_purchase(provider="skinify", buy_id="777")
    response = support_c.get(FIND_URL, {"q": "777"})
    assert response["Location"] == f"{LIST_URL}?q=777"


def test_custom_id_wins_over_other_ids(support_c):
    by_custom = make_purchase(custom_id="555")
    make_purchase(buy_id="555")
    assert support_c.get(FIND_URL, {"q": "555"})["Location"] == change_url(by_custom)


def test_local_matches_are_exact_and_indexed(support_c):
    make_purchase(custom_id="bo-exact-1")
    with CaptureQueriesContext(connection) as ctx:
        response = support_c.get(FIND_URL, {"q": "bo-exact-1"})
    assert response.status_code == 302
    sql = " ".join(q["sql"] for q in ctx.captured_queries).upper()
    assert " LIKE " not in sql


def test_prefix_is_not_a_match_and_nobody_knows_it(support_c, sandbox):
    make_purchase(custom_id="bo-prefix-123")
    response = support_c.get(FIND_URL, {"q": "bo-prefix"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="bo-find-none"' in page
    assert "No purchase with this id" in page
    assert "Import" not in page


def test_not_an_id(support_c):
    response = support_c.get(FIND_URL, {"q": "two words"})
    assert response.status_code == 200
    assert "Not an id" in response.content.decode()


def test_found_only_at_the_provider_shows_what_it_knows(operator_c, sandbox):
    [bought] = sandbox.state.create_purchases("skinsback", ["shop-only-1"])
    response = operator_c.get(FIND_URL, {"q": "shop-only-1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not in our database" in page and 'id="bo-found-skinsback"' in page
    assert str(bought.buy_id) in page
    assert bought.listing.name in page
    assert "Import this purchase" in page and 'name="csrfmiddlewaretoken"' in page
    assert Purchase.objects.count() == 0  # looking is not importing


def test_support_sees_the_provider_answer_and_may_import(support_c, sandbox):
    sandbox.state.create_purchases("skinify", ["shop-only-2"])
    page = support_c.get(FIND_URL, {"q": "shop-only-2"}).content.decode()
    assert 'id="bo-found-skinify"' in page and "Import this purchase" in page


def test_import_creates_the_purchase_as_imported_and_logs_it(operator_c, operator, sandbox):
    [bought] = sandbox.state.create_purchases("skinsback", ["shop-only-3"])
    response = operator_c.post(IMPORT_URL, {"provider": "skinsback", "custom_id": "shop-only-3"})
    purchase = Purchase.objects.get(custom_id="shop-only-3")
    assert response.status_code == 302 and response["Location"] == change_url(purchase)
    assert purchase.imported and purchase.provider == "skinsback"
    assert purchase.buy_id == str(bought.buy_id)
    assert purchase.price == Decimal(str(bought.price))
    event = PurchaseEvent.objects.get(purchase=purchase)
    assert event.source == "admin" and event.actor == operator
    log = LogEntry.objects.get(object_id=str(purchase.pk))
    assert log.action_flag == ADDITION and log.user == operator
    # the page it lands on tells the story, the provider call that found it included
    page = operator_c.get(response["Location"]).content.decode()
    assert "market_getinfo" in page and "imported from the provider" in page


def test_import_twice_keeps_one(operator_c, sandbox):
    sandbox.state.create_purchases("skinsback", ["shop-only-4"])
    for _ in range(2):
        operator_c.post(IMPORT_URL, {"provider": "skinsback", "custom_id": "shop-only-4"})
    assert Purchase.objects.filter(custom_id="shop-only-4").count() == 1
    assert LogEntry.objects.count() == 1


def test_import_of_an_unknown_id_imports_nothing(operator_c, sandbox):
    response = operator_c.post(IMPORT_URL, {"provider": "skinsback", "custom_id": "made-up"}, follow=True)
    assert Purchase.objects.count() == 0
    assert "no longer knows made-up" in response.content.decode()


def test_provider_error_is_a_clear_message(support_c, monkeypatch):
    def down(code, custom_id):
        raise Unavailable("under maintenance", provider=code, code=-9)

    monkeypatch.setattr("purchases.services.importing.ask_provider", down)
    response = support_c.get(FIND_URL, {"q": "bo-unknown"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "SkinsBack could not be asked" in page and "Skinify could not be asked" in page
    assert "under maintenance" in page
    assert "No purchase with this id in our database" in page


def test_one_provider_down_the_other_knows_it(support_c, sandbox, monkeypatch):
    from purchases.services import importing

    real = importing.ask_provider
    sandbox.state.create_purchases("skinify", ["shop-only-5"])

    def half_down(code, custom_id):
        if code == "skinsback":
            raise Unavailable("under maintenance", provider=code)
        return real(code, custom_id)

    monkeypatch.setattr("purchases.services.importing.ask_provider", half_down)
    page = support_c.get(FIND_URL, {"q": "shop-only-5"}).content.decode()
    assert "SkinsBack could not be asked" in page and 'id="bo-found-skinify"' in page


def test_without_view_permission_403(nobody_c):
    assert nobody_c.get(FIND_URL, {"q": "x"}).status_code == 403
    assert nobody_c.post(IMPORT_URL, {"provider": "skinsback", "custom_id": "x"}).status_code == 403


def test_anonymous_goes_to_the_login(client):
    response = client.get(FIND_URL, {"q": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_import_needs_refresh_permission(client, roles, sandbox):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    viewer = get_user_model().objects.create_user("vic.viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_purchase"))
    client.force_login(viewer)
    sandbox.state.create_purchases("skinsback", ["shop-only-6"])
    page = client.get(FIND_URL, {"q": "shop-only-6"}).content.decode()
    assert 'id="bo-found-skinsback"' in page and "Import this purchase" not in page
    assert client.post(IMPORT_URL, {"provider": "skinsback", "custom_id": "shop-only-6"}).status_code == 403
    assert Purchase.objects.count() == 0


def test_import_needs_post_and_csrf(operator, sandbox):
    from django.test import Client

    sandbox.state.create_purchases("skinsback", ["shop-only-7"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator)
    assert strict.get(IMPORT_URL, {"provider": "skinsback", "custom_id": "shop-only-7"}).status_code == 302
    assert strict.post(IMPORT_URL, {"provider": "skinsback", "custom_id": "shop-only-7"}).status_code == 403
    assert Purchase.objects.count() == 0


def test_the_index_and_the_list_have_the_find_box(support_c):
    index = support_c.get("/admin/").content.decode()
    assert f'action="{FIND_URL}"' in index and 'name="q"' in index
