"""Issue 13.2: before the confirmation is shown, items whose price is older than a few minutes are read
again at the provider (its search: a read, never a buy). New prices replace the old ones, items no longer
on sale are left out with the reason, and a provider that does not answer is said, never fatal."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from purchases.ages import clock
from purchases.models import Item, Purchase
from purchases.providers.base import CatalogEntry
from purchases.services.recheck import MAX_READS
from tests.factories import make_item, make_user
from tests.fakes import Call

from .conftest import provider_error
from .helpers import CONFIRM_URL, form_data, open_confirm, text

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def listing(item: Item, price: str) -> CatalogEntry:
    return CatalogEntry("skinsback", item.name, Decimal(price), item.provider_item_id, "cs2")


def test_fresh_items_are_not_read_again(operator_client, fake_provider):
    open_confirm(operator_client, make_user(), [make_item(), make_item()])
    assert fake_provider.reads == [Call("balance")]


def test_stale_item_gets_its_new_price_before_the_page_is_shown(operator_client, fake_provider):
    item = make_item(price=Decimal("10.00"), synced_at=days_ago(3))
    fake_provider.search_result = [listing(item, "12.00")]
    before = timezone.now()
    response = open_confirm(operator_client, make_user(), [item])
    assert Call("search", {"name": item.name, "game": "cs2"}) in fake_provider.reads
    (line,) = response.context["plan"].lines
    assert (line.price, line.price_before, line.default_max) == (
        Decimal("12.00"),
        Decimal("10.00"),
        Decimal("13.20"),
    )
    item.refresh_from_db()
    assert item.price == Decimal("12.00") and item.available
    assert before <= item.synced_at <= timezone.now()  # stamped by this re-read
    page = text(response)
    assert (
        f"re-read from SkinsBack at {clock(item.synced_at)}: 1 checked, 1 changed, 0 no longer on sale"
        in page
    )
    assert "was 10.00 USD" in page and "price read 0 s ago" in page


def test_item_no_longer_on_sale_is_left_out_with_the_reason(operator_client, fake_provider, enqueue):
    kept = make_item(name="Kept", synced_at=days_ago(2))
    gone = make_item(name="Gone", synced_at=days_ago(2))
    fake_provider.search_result = [listing(kept, "10.00")]  # `gone` is not listed any more
    response = open_confirm(operator_client, make_user(), [kept, gone])
    assert [line.item for line in response.context["plan"].lines] == [kept]
    reasons = {s.label: s.reason for s in response.context["plan"].skipped}
    assert reasons["Gone"] == "unavailable: the provider lists it as not on sale (read 0 s ago)"
    gone.refresh_from_db()
    assert gone.available is False
    assert "1 no longer on sale" in text(response)
    operator_client.post(CONFIRM_URL, form_data(response))
    assert list(Purchase.objects.values_list("item", flat=True)) == [kept.pk]


def test_provider_not_answering_is_said_and_does_not_block(operator_client, fake_provider):
    item = make_item(price=Decimal("10.00"), synced_at=days_ago(3))
    fake_provider.search_error = provider_error("under maintenance")
    response = open_confirm(operator_client, make_user(), [item])
    assert response.context["can_confirm"] is True and response.context["recheck_failed"] is True
    assert [line.item for line in response.context["plan"].lines] == [item]
    page = text(response)
    assert "SkinsBack did not answer the price check" in page and "under maintenance" in page
    assert "Nothing is blocked" in page and "price read 3 days ago" in page
    item.refresh_from_db()
    assert item.price == Decimal("10.00") and item.synced_at < days_ago(2)


def test_one_read_per_name_and_at_most_max_reads_per_page(operator_client, fake_provider):
    same = [make_item(name="Same name", synced_at=days_ago(1)) for _ in range(3)]
    others = [make_item(name=f"Other {n}", synced_at=days_ago(1)) for n in range(MAX_READS + 5)]
    fake_provider.search_result = [listing(i, "10.00") for i in same + others]
    response = open_confirm(operator_client, make_user(), same + others)
    searches = fake_provider.called("search")
    assert (
        len(searches) == MAX_READS
        and searches.count(Call("search", {"name": "Same name", "game": "cs2"})) == 1
    )
    assert "; 6 not re-read (at most 20 requests per page)" in text(response)  # 3 same + 19 read


def test_rechecked_page_queries_do_not_grow_with_items(operator_client, fake_provider):
    user = make_user()
    open_confirm(operator_client, user, [make_item()])  # warms the balance and permission caches

    def queries(count: int) -> int:
        items = [make_item(name=f"Skin {count} {n}", synced_at=days_ago(1)) for n in range(count)]
        fake_provider.search_result = [listing(i, "11.00") for i in items]
        with CaptureQueriesContext(connection) as ctx:
            response = open_confirm(operator_client, user, items)
        assert len(response.context["plan"].lines) == count
        assert all(line.price == Decimal("11.00") for line in response.context["plan"].lines)
        return len(ctx.captured_queries)

    assert queries(1) == queries(MAX_READS)


def test_the_post_reads_nothing(operator_client, fake_provider, enqueue, no_http):
    item = make_item(synced_at=days_ago(3))
    fake_provider.search_result = [listing(item, "10.00")]
    data = form_data(open_confirm(operator_client, make_user(), [item]))
    Item.objects.filter(pk=item.pk).update(synced_at=days_ago(3))  # stale again by the time of the POST
    fake_provider.calls.clear()
    assert operator_client.post(CONFIRM_URL, data).status_code == 302
    assert fake_provider.reads == [] and not no_http.calls
