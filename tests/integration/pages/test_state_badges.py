"""Every page draws a state badge the same way (purchases/admin/common.state_badge): label and the state's
explanation on hover, whether from the list's column or a template's `|state_badge`."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from purchases.admin.common import state_badge
from purchases.models import PurchaseEvent
from purchases.status import BADGE_TITLES, State
from tests.factories import make_purchase

pytestmark = pytest.mark.django_db


def test_the_filter_is_the_list_columns_badge():
    rendered = Template("{% load backoffice_tags %}{{ s|state_badge }}").render(Context({"s": "delivered"}))
    assert rendered == state_badge("delivered")
    assert f'title="{BADGE_TITLES[State.DELIVERED]}"' in rendered
    assert ">Delivered</span>" in rendered


def test_no_state_no_badge():
    assert state_badge("") == ""


def test_purchase_page_and_timeline_badges_carry_the_explanation(admin_client):
    purchase = make_purchase(state="in_progress", provider_status="waiting_accept")
    PurchaseEvent.objects.create(
        purchase=purchase, old_state="pending", new_state="in_progress", source="buy"
    )
    body = admin_client.get(reverse("admin:purchases_purchase_change", args=[purchase.pk])).content.decode()
    assert body.count(state_badge("in_progress")) >= 2  # the head and the timeline's event
    assert state_badge("pending") in body
