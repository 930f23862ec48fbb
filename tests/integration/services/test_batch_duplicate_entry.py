"""A batch entry refused because its custom_id exists is looked up, whether the provider says so by code
or only by message (DESIGN section 4: never treated as a refusal, never bought anew)."""

import pytest

from purchases.providers import get_provider
from purchases.providers.base import BatchBuyResult, UnavailableItem
from purchases.services import buy as buy_service
from purchases.status import State
from tests.factories import make_purchase

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "message"), [(7, "custom_id_already_exists"), (None, "custom_id_already_exists")]
)
def test_duplicate_batch_entry_is_looked_up_not_rejected(monkeypatch, code, message):
    purchase = make_purchase(provider="skinsback", state=State.UNCONFIRMED)
    resolved = []
    monkeypatch.setattr(buy_service, "_resolve", lambda purchases: resolved.extend(purchases))
    entry = UnavailableItem(item_id="1", code=code, message=message, custom_id=purchase.custom_id)
    buy_service._apply_batch(
        [purchase], BatchBuyResult(purchased=[], unavailable=[entry]), get_provider("skinsback")
    )
    purchase.refresh_from_db()
    assert purchase.state == State.UNCONFIRMED
    assert [p.pk for p in resolved] == [purchase.pk]
