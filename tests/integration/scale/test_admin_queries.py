"""No admin page runs a query per row: the same number of queries for 1 row and for 30 (any database)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import (
    Item,
    OperatorLimit,
    ProviderCall,
    Purchase,
    PurchaseEvent,
    Refund,
    SteamUser,
    WebhookEvent,
)
from tests.factories import make_item, make_purchase, make_user

pytestmark = pytest.mark.django_db
MANY = 30
EVENTS = 20


def _purchase() -> Purchase:
    # each row its own Steam user and catalog item, so a missing select_related shows as extra queries
    return make_purchase(steam_user=make_user(), item=make_item())


def _steam_user() -> SteamUser:
    user = make_user()
    make_purchase(steam_user=user)
    return user


def _event(purchase: Purchase | None = None) -> PurchaseEvent:
    n = PurchaseEvent.objects.count()
    actor = get_user_model().objects.create_user(username=f"actor-{n}", is_staff=True)
    return PurchaseEvent.objects.create(
        purchase=purchase or _purchase(),
        old_state="pending",
        new_state="in_progress",
        source="admin",
        actor=actor,
        new_provider_status="waiting_accept",
        message=f"event {n}",
    )


def _provider_call() -> ProviderCall:
    return ProviderCall.objects.create(
        provider="skinsback", method="market_buy", outcome="ok", subjects="bo-1"
    )


def _webhook_event() -> WebhookEvent:
    return WebhookEvent.objects.create(body="{}", event="trade_status", valid=True, headers={"X": "1"})


def _operator_limit() -> OperatorLimit:
    n = OperatorLimit.objects.count()
    user = get_user_model().objects.create_user(username=f"limited-{n}", is_staff=True)
    return OperatorLimit.objects.create(user=user, daily_limit_usd="700.00")


def _refund() -> Refund:
    n = Refund.objects.count()
    user = get_user_model().objects.create_user(username=f"refunder-{n}", is_staff=True)
    purchase = make_purchase(steam_user=make_user(), state="failed", price="5.00")
    return Refund.objects.create(purchase=purchase, amount="5.00", reference=f"tx-{n}", recorded_by=user)


ROW_FACTORIES: dict[type, Callable[[], object]] = {
    Purchase: _purchase,
    SteamUser: _steam_user,
    Item: make_item,
    PurchaseEvent: _event,
    ProviderCall: _provider_call,
    WebhookEvent: _webhook_event,
    OperatorLimit: _operator_limit,
    Refund: _refund,
}


def _queries(client, url: str) -> tuple[int, int]:
    """(SQL queries, rows listed) of one changelist request."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), len(response.context["cl"].result_list)


def test_every_admin_of_the_app_is_covered():
    registered = {model for model in admin.site._registry if model._meta.app_label == "purchases"}
    assert registered == set(ROW_FACTORIES)


@pytest.mark.parametrize("model", list(ROW_FACTORIES), ids=lambda model: model.__name__)
def test_changelist_queries_do_not_grow_with_rows(admin_client_, model):
    url = reverse(f"admin:purchases_{model._meta.model_name}_changelist")
    make_row = ROW_FACTORIES[model]
    make_row()
    _queries(admin_client_, url)  # warm-up: content types and other per-process caches
    one, listed = _queries(admin_client_, url)
    assert listed == 1
    for _ in range(MANY - 1):
        make_row()
    many, listed = _queries(admin_client_, url)
    assert listed == MANY
    assert many == one, f"{model.__name__}: {one} queries for 1 row, {many} for {MANY}"


def test_purchase_page_queries_do_not_grow_with_events(admin_client_):
    purchase = _purchase()
    url = reverse("admin:purchases_purchase_change", args=[purchase.pk])
    _event(purchase)
    with CaptureQueriesContext(connection):
        admin_client_.get(url)  # warm-up
    with CaptureQueriesContext(connection) as one:
        response = admin_client_.get(url)
    assert len(response.context["timeline"]) == 1
    for _ in range(EVENTS - 1):
        _event(purchase)
    with CaptureQueriesContext(connection) as many:
        response = admin_client_.get(url)
    assert len(response.context["timeline"]) == EVENTS
    assert len(many.captured_queries) == len(one.captured_queries)
