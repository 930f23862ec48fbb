"""Buying spends money: only `purchases.buy_skins` (Operators) sees the actions and may open the pages."""

import pytest
from django.urls import reverse

from purchases.models import Purchase
from tests.factories import make_item, make_purchase, make_user

from .helpers import CHOOSE_URL, CONFIRM_URL, ITEMS_URL, PURCHASES_URL, market_url, text

pytestmark = pytest.mark.django_db


def actions(response) -> dict:
    form = response.context["action_form"]
    return dict(form.fields["action"].choices) if form else {}


def buy_urls(user, item) -> list[str]:
    return [
        f"{CONFIRM_URL}?steam_user={user.pk}&items={item.pk}",
        f"{CHOOSE_URL}?items={item.pk}",
        market_url(user),
        f"{market_url(user)}?provider=skinsback&game=cs2&name=Redline",
    ]


def test_support_gets_403_on_every_buy_url(support_client, fake_provider, enqueue, no_http):
    user, item = make_user(), make_item()
    for url in buy_urls(user, item):
        assert support_client.get(url).status_code == 403, url
        assert support_client.post(url, {"lines": f"i{item.pk}", "steam_user": user.pk}).status_code == 403, (
            url
        )
    assert Purchase.objects.count() == 0
    assert fake_provider.reads == [] and not no_http.calls


def test_operator_may_open_every_buy_url(operator_client, fake_provider):
    user, item = make_user(), make_item()
    for url in buy_urls(user, item):
        assert operator_client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_the_login(client):
    user, item = make_user(), make_item()
    for url in buy_urls(user, item):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_support_sees_no_buy_actions_or_button(support_client):
    user = make_user()
    make_item()
    make_purchase(state="failed")
    item_actions = actions(support_client.get(ITEMS_URL))
    assert "buy_for_user" not in item_actions and "refresh_prices" not in item_actions
    assert "buy_again" not in actions(support_client.get(PURCHASES_URL))
    page = support_client.get(reverse("admin:purchases_steamuser_change", args=[user.pk]))
    assert page.status_code == 200
    assert "Buy skins for this user" not in text(page)


def test_operator_sees_the_buy_actions_and_button(operator_client):
    user = make_user()
    make_item()
    make_purchase(state="failed")
    assert "buy_for_user" in actions(operator_client.get(ITEMS_URL))
    assert "buy_again" in actions(operator_client.get(PURCHASES_URL))
    page = operator_client.get(reverse("admin:purchases_steamuser_change", args=[user.pk]))
    assert "Buy skins for this user" in text(page)
    assert market_url(user) in text(page)


def test_support_cannot_run_the_actions_by_posting_them(support_client):
    item = make_item()
    old = make_purchase(state="failed")
    response = support_client.post(ITEMS_URL, {"action": "buy_for_user", "_selected_action": [item.pk]})
    assert response.status_code in (200, 302) and "/buy/" not in response.get("Location", "")
    response = support_client.post(PURCHASES_URL, {"action": "buy_again", "_selected_action": [old.pk]})
    assert "/buy/" not in response.get("Location", "")
    assert Purchase.objects.count() == 1
