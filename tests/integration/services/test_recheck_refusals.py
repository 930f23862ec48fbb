"""The confirmation page's re-read by id (Skinify's withdraw/price): only "no such listing" (NotFound)
takes an item off sale; any other refusal is said as an error and the catalog is left as it was."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from purchases.providers.base import NotFound, Rejected
from purchases.providers.skinify.parse import error_for
from purchases.services.recheck import items_recheck
from tests.factories import make_item

pytestmark = pytest.mark.django_db


class ById:
    reads_item_price = True

    def __init__(self, error):
        self.error = error

    def item_price(self, *, item_id, game=""):
        raise self.error


def stale_item():
    return make_item(provider="skinify", price=Decimal("5.00"), synced_at=timezone.now() - timedelta(days=1))


def test_skinify_unknown_skin_is_not_found():
    assert isinstance(error_for("skin_not_found"), NotFound)
    assert not isinstance(error_for("missing_id"), NotFound)


def test_no_such_listing_takes_the_item_off_sale():
    item = stale_item()
    report = items_recheck(items=[item], client=ById(NotFound("skin_not_found", provider="skinify")))
    item.refresh_from_db()
    assert report.gone == {item.pk} and report.error == ""
    assert item.available is False


def test_another_refusal_is_an_error_and_changes_nothing():
    item = stale_item()
    report = items_recheck(items=[item], client=ById(Rejected("missing_id", provider="skinify")))
    item.refresh_from_db()
    assert "missing_id" in report.error and report.gone == set() and report.unread == 1
    assert item.available is True and item.price == Decimal("5.00")
