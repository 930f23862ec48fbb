import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import PurchaseEvent
from tests.factories import make_purchase, make_purchases, make_user

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:purchases_purchase_changelist")


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_purchase_list_query_count_does_not_grow_with_rows(admin_client_):
    make_purchase()
    one = count_queries(admin_client_, LIST_URL)
    make_purchases(49, steam_user=make_user())
    fifty = count_queries(admin_client_, LIST_URL)
    assert one == fifty
    assert fifty <= 8


def test_search_finds_exact_custom_id_only(admin_client_):
    wanted = make_purchase(custom_id="bo-abc123")
    make_purchase(custom_id="bo-abc1234")
    response = admin_client_.get(LIST_URL, {"q": "bo-abc123"})
    assert list(response.context["cl"].result_list) == [wanted]
    response = admin_client_.get(LIST_URL, {"q": "abc12"})
    assert list(response.context["cl"].result_list) == []


def test_search_finds_buy_id_trade_offer_and_steam_id(admin_client_):
    user = make_user()
    by_buy = make_purchase(buy_id="129112705")
    by_offer = make_purchase(trade_offer_id="6021480571")
    by_user = make_purchase(steam_user=user)

    def found(term):
        return list(admin_client_.get(LIST_URL, {"q": term}).context["cl"].result_list)

    assert found("129112705") == [by_buy]
    assert found("6021480571") == [by_offer]
    assert found(user.steam_id) == [by_user]
    assert found("1291127") == []


def test_search_sql_uses_equality_never_like(admin_client_):
    make_purchase()
    with CaptureQueriesContext(connection) as ctx:
        admin_client_.get(LIST_URL, {"q": "bo-whatever"})
    sql = " ".join(q["sql"] for q in ctx.captured_queries if "purchases_purchase" in q["sql"]).upper()
    assert " LIKE " not in sql
    assert '"CUSTOM_ID" = ' in sql


def test_purchase_page_shows_state_badge_and_timeline(admin_client_):
    purchase = make_purchase(state="in_progress", provider_status="waiting_accept")
    PurchaseEvent.objects.create(
        purchase=purchase, old_state="pending", new_state="in_progress", source="buy"
    )
    response = admin_client_.get(reverse("admin:purchases_purchase_change", args=[purchase.pk]))
    body = response.content.decode()
    assert 'class="bo-badge bo-state-in_progress"' in body
    assert 'id="bo-timeline-title"' in body
    assert "Buy" in body


def test_purchases_cannot_be_added_edited_or_deleted_by_hand(admin_client_):
    purchase = make_purchase()
    assert admin_client_.get(reverse("admin:purchases_purchase_add")).status_code == 403
    response = admin_client_.post(
        reverse("admin:purchases_purchase_change", args=[purchase.pk]), {"max_price": "999"}
    )
    assert response.status_code == 403
    purchase.refresh_from_db()
    assert str(purchase.max_price) != "999"


def test_steam_user_list_masks_trade_tokens(admin_client_):
    user = make_user()
    body = admin_client_.get(reverse("admin:purchases_steamuser_changelist")).content.decode()
    assert user.steam_id in body
    assert user.token not in body
    assert user.token[:2] + "••••••" in body


def test_steam_user_form_refuses_mismatched_trade_url(admin_client_):
    url = reverse("admin:purchases_steamuser_add")
    response = admin_client_.post(
        url,
        {
            "steam_id": "76561198050648523",
            "trade_url": "https://steamcommunity.com/tradeoffer/new/?partner=1&token=Kq8v2LmZ",
            "display_name": "x",
        },
    )
    assert response.status_code == 200
    assert "belongs to another account" in response.content.decode()


def test_steam_user_form_refuses_bad_steam_id(admin_client_):
    response = admin_client_.post(
        reverse("admin:purchases_steamuser_add"), {"steam_id": "123", "trade_url": ""}
    )
    assert "only digits" in response.content.decode() or "17 digits" in response.content.decode()


def test_steam_user_form_parses_partner_and_token(admin_client_):
    response = admin_client_.post(
        reverse("admin:purchases_steamuser_add"),
        {
            "steam_id": "76561198050648523",
            "trade_url": "https://steamcommunity.com/tradeoffer/new/?partner=90382795&token=Kq8v2LmZ",
            "display_name": "Vova",
        },
    )
    assert response.status_code == 302
    from purchases.models import SteamUser

    user = SteamUser.objects.get(steam_id="76561198050648523")
    assert (user.partner, user.token) == ("90382795", "Kq8v2LmZ")
