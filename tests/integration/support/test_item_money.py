"""The item admin shows its price in the one money format."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import make_item

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["support_c", "admin_client_"])
def test_item_price_is_formatted_on_the_list_and_the_page(request, who):
    client = request.getfixturevalue(who)
    item = make_item(price=Decimal("12312.0"))
    listing = client.get(reverse("admin:purchases_item_changelist")).content.decode()
    page = client.get(reverse("admin:purchases_item_change", args=[item.pk])).content.decode()
    for html in (listing, page):
        assert "12,312.00 USD" in html and "12312.0000" not in html
    assert 'name="price"' not in page  # never typed by hand, even by an admin
