"""Every URL that spends money or calls a provider needs a login, a permission and a CSRF token; the
provider callback is the only CSRF-exempt view (it checks a signature instead)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from purchases.models import Purchase

from .conftest import KNOWN_SENSITIVE, sensitive_routes, walk

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
SENSITIVE_ACTION = ("buy", "refresh", "import", "inventory", "find")


def test_the_enumeration_finds_every_known_money_or_provider_url():
    names = {route.name for route in sensitive_routes()}
    assert names >= KNOWN_SENSITIVE, KNOWN_SENSITIVE - names


def test_anonymous_is_sent_to_the_login_and_nothing_happens(client, objects, no_http):
    for route in sensitive_routes():
        url = objects.url(route)
        for response in (client.get(url), client.post(url, {"lines": "x", "steam_user": objects.user.pk})):
            assert response.status_code == 302, (route.name, response.status_code)
            assert response["Location"].startswith(LOGIN), route.name
    assert not no_http.calls
    assert Purchase.objects.count() == 1


def test_staff_without_permissions_gets_403(client, bare_staff, objects, no_http):
    client.force_login(bare_staff)
    for route in sensitive_routes():
        url = objects.url(route)
        # a GET may first redirect to a page of its own (refresh -> the purchase page): that one is 403 too
        assert client.get(url, follow=True).status_code == 403, route.name
        assert client.post(url, {"steam_user": objects.user.pk}).status_code == 403, route.name
    assert not no_http.calls
    assert Purchase.objects.count() == 1


def test_a_post_without_csrf_token_is_refused_even_for_a_superuser(superuser, objects, no_http):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser)
    urls = [objects.url(route) for route in sensitive_routes()]
    urls += [reverse("admin:purchases_purchase_changelist"), reverse("admin:purchases_item_changelist")]
    for url in urls:
        response = browser.post(url, {"action": "refresh_status", "_selected_action": [objects.purchase.pk]})
        assert response.status_code == 403, url
        assert b"CSRF" in response.content, url
    assert not no_http.calls
    assert Purchase.objects.count() == 1


def test_admin_actions_that_spend_or_call_a_provider_declare_their_permission():
    checked = 0
    for model_admin in admin.site._registry.values():
        for name in model_admin.actions or ():
            function = getattr(model_admin, name, None) if isinstance(name, str) else name
            label = getattr(function, "__name__", str(name))
            if any(word in label for word in SENSITIVE_ACTION):
                assert getattr(function, "allowed_permissions", ()), f"{model_admin}: {label}"
                checked += 1
    assert checked >= 4  # refresh_status, buy_again, buy_for_user, refresh_prices


def test_staff_with_view_permission_only_cannot_run_them(client, bare_staff, objects, no_http):
    codenames = ["view_purchase", "view_item", "view_steamuser"]
    bare_staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(bare_staff)
    posts = [
        ("purchase", ["refresh_status", "buy_again"], objects.purchase.pk),
        ("item", ["buy_for_user", "refresh_prices"], objects.item.pk),
    ]
    for model, actions, pk in posts:
        url = reverse(f"admin:purchases_{model}_changelist")
        for action in actions:
            response = client.post(url, {"action": action, "_selected_action": [pk]})
            # not offered to them: the list again (200), or "no action selected" and back to it (302)
            assert response.status_code in (200, 302), action
            assert response.get("Location", url).startswith(url), (action, response["Location"])
    assert not no_http.calls
    assert Purchase.objects.count() == 1


def test_the_provider_callback_is_the_only_csrf_exempt_view():
    exempt = {r.route for r in walk() if getattr(r.pattern.callback, "csrf_exempt", False)}
    assert exempt == {"webhooks/skinsback/"}


def test_the_callback_refuses_a_bad_signature(client):
    from purchases.models import WebhookEvent

    response = client.post(
        "/webhooks/skinsback/",
        data=b'{"event":"x"}',
        content_type="application/json",
        HTTP_SIGNATURE="0" * 64,
    )
    assert response.status_code == 403
    assert WebhookEvent.objects.get().valid is False
