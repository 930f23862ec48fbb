"""Roles end to end: Support looks and refreshes but never spends, edits, deletes or sees a secret;
Operators buy and refresh; only superusers manage users and groups; changes leave a LogEntry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from purchases.models import ProviderCall, Purchase
from tests.factories import make_item, make_purchase, make_user

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/purchases/purchase/"
CONFIRM_URL = "/admin/purchases/purchase/buy/confirm/"


def actions(client) -> set[str]:
    form = client.get(LIST_URL).context["action_form"]
    return set(dict(form.fields["action"].choices)) if form else set()


def change_url(purchase) -> str:
    return reverse("admin:purchases_purchase_change", args=[purchase.pk])


def sandbox_purchase(sandbox, custom_id: str, status: str = "waiting_accept") -> Purchase:
    """A purchase we sent whose answer was lost; the sandbox knows it has moved on."""
    sandbox.state.create_purchases("skinsback", [custom_id], status=status)
    return make_purchase(
        custom_id=custom_id, state="unconfirmed", steam_user=make_user(steam_id="76561198050648523")
    )


# ------------------------------------------------------------------------------------------ Support


def test_support_finds_views_refreshes_and_opens_inventories(support_c, support, sandbox):
    purchase = sandbox_purchase(sandbox, "bo-role-1")
    assert support_c.get("/admin/purchases/purchase/find/", {"q": "bo-role-1"})["Location"] == change_url(
        purchase
    )
    assert support_c.get(change_url(purchase)).status_code == 200
    response = support_c.post(reverse("admin:purchases_purchase_refresh", args=[purchase.pk]))
    assert response.status_code == 302
    purchase.refresh_from_db()
    assert purchase.state == "in_progress"
    assert LogEntry.objects.filter(user=support, object_id=str(purchase.pk), action_flag=CHANGE).exists()
    inventory = support_c.get(reverse("admin:inventory_page", args=[purchase.steam_user.steam_id]))
    assert inventory.status_code == 200


def test_support_cannot_buy(support_c):
    user, item = make_user(), make_item()
    make_purchase(state="failed")
    assert "buy_again" not in actions(support_c)
    assert support_c.get(f"{CONFIRM_URL}?steam_user={user.pk}&items={item.pk}").status_code == 403
    assert support_c.post(CONFIRM_URL, {"steam_user": user.pk, "lines": f"i{item.pk}"}).status_code == 403
    assert Purchase.objects.count() == 1


def test_support_cannot_edit_money_fields(support_c):
    purchase = make_purchase(price=Decimal("10.0000"))
    page = support_c.get(change_url(purchase)).content.decode()
    assert 'name="price"' not in page and 'name="max_price"' not in page
    response = support_c.post(
        change_url(purchase), {"price": "0.01", "max_price": "0.01", "state": "delivered"}
    )
    assert response.status_code == 403
    purchase.refresh_from_db()
    assert purchase.price == Decimal("10.0000") and purchase.state == "pending"


def test_support_cannot_delete(support_c):
    purchase = make_purchase()
    delete_url = reverse("admin:purchases_purchase_delete", args=[purchase.pk])
    assert support_c.get(delete_url).status_code == 403
    assert support_c.post(delete_url, {"post": "yes"}).status_code == 403
    assert "delete_selected" not in actions(support_c)
    assert Purchase.objects.filter(pk=purchase.pk).exists()


def test_support_sees_no_secret_on_any_page(support_c, sandbox, settings):
    purchase = sandbox_purchase(sandbox, "bo-role-2")
    user = purchase.steam_user
    support_c.post(reverse("admin:purchases_purchase_refresh", args=[purchase.pk]))  # real provider calls
    pages = [
        "/admin/",
        LIST_URL,
        change_url(purchase),
        "/admin/purchases/purchase/find/?q=bo-role-unknown",
        "/admin/purchases/steamuser/",
        reverse("admin:purchases_steamuser_change", args=[user.pk]),
        reverse("admin:inventory_page", args=[user.steam_id]),
        "/admin/purchases/providercall/",
        "/admin/purchases/webhookevent/",
        "/admin/purchases/purchaseevent/",
    ]
    secrets = [settings.SKINSBACK_CLIENT_SECRET, settings.SKINIFY_TOKEN, settings.SKINSBACK_WEBHOOK_SECRET]
    assert_no_secret(support_c, pages, secrets)
    # every provider call those pages made (refresh, lookups, balances, inventory), one by one
    calls = [
        reverse("admin:purchases_providercall_change", args=[pk])
        for pk in ProviderCall.objects.values_list("pk", flat=True)
    ]
    assert len(calls) >= 4
    assert_no_secret(support_c, calls, secrets)


def test_support_never_sees_a_whole_trade_token(support_c):
    user = make_user()  # its trade URL carries the token "Ab12Cd34"
    purchase = make_purchase(steam_user=user)
    pages = [
        "/admin/purchases/steamuser/",
        reverse("admin:purchases_steamuser_change", args=[user.pk]),
        change_url(purchase),
    ]
    assert_no_secret(support_c, pages, [user.token])


def assert_no_secret(client, urls: list[str], secrets: list[str]) -> None:
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for secret in secrets:
            assert secret not in page, (url, secret)


# ------------------------------------------------------------------------------------------ Operators


def test_operators_can_buy_and_refresh(operator_c, operator, sandbox):
    user, item = make_user(), make_item()
    make_purchase(state="failed")
    assert {"buy_again", "refresh_status", "export_csv"} <= actions(operator_c)
    assert operator_c.get(f"{CONFIRM_URL}?steam_user={user.pk}&items={item.pk}").status_code == 200
    purchase = sandbox_purchase(sandbox, "bo-role-3")
    response = operator_c.post(
        LIST_URL, {"action": "refresh_status", "_selected_action": [str(purchase.pk)], "index": "0"}
    )
    assert response.status_code == 302
    purchase.refresh_from_db()
    assert purchase.state == "in_progress"
    log = LogEntry.objects.get(object_id=str(purchase.pk))
    assert log.user == operator and log.action_flag == CHANGE and "Refreshed" in log.change_message


# ------------------------------------------------------------------------------------------ users and groups


@pytest.mark.parametrize("url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"])
def test_only_superusers_manage_users_and_groups(support_c, operator_c, superuser_c, url):
    assert support_c.get(url).status_code == 403
    assert operator_c.get(url).status_code == 403
    assert superuser_c.get(url).status_code == 200
