"""SkinifyProvider.item_price (withdraw/price): the confirmation page's re-read of one Skinify listing."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from purchases.providers.base import Rejected

from .conftest import SF_URL


def test_item_price(mocked, skinify):
    mocked.get(
        SF_URL + "withdraw/price",
        json={
            "status": "success",
            "skin": {"name": "X", "price": "2.10", "count": 3, "properties": {"classid": "9"}},
        },
    )
    entry = skinify().item_price(item_id="77", game="rust")
    assert (entry.item_id, entry.price, entry.count, entry.classid) == ("77", Decimal("2.10"), 3, "9")
    assert parse_qs(urlsplit(mocked.calls[0].request.url).query)["id"] == ["77"]
    assert type(skinify()).reads_item_price is True


def test_unknown_skin_is_a_refusal(mocked, skinify):
    mocked.get(SF_URL + "withdraw/price", json={"status": "error", "error_message": "skin_not_found"})
    with pytest.raises(Rejected):
        skinify().item_price(item_id="1")
