"""Issue 13.2 and 13.9b: how old the shown prices and the balance are, on the item list and the confirmation."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from purchases.ages import clock
from tests.factories import make_item, make_user
from tests.fakes import Call
from tests.integration.pages.helpers import queries

from .helpers import ITEMS_URL, open_confirm, text

pytestmark = pytest.mark.django_db


def test_balance_says_when_it_was_read(operator_client, fake_provider):
    user, item = make_user(), make_item()
    before = timezone.now()
    first = open_confirm(operator_client, user, [item])
    read_at = first.context["balance"].read_at
    assert before <= read_at <= timezone.now()
    assert f"read at {clock(read_at)}, 0 s ago" in text(first)
    cached = open_confirm(operator_client, user, [item])  # from the cache: the same read, older
    assert cached.context["balance"].read_at == read_at
    assert fake_provider.reads == [Call("balance")]
    assert re.search(rf'id="bo-balance-age">read at {clock(read_at)}, \d+ s ago<', text(cached))


def test_failed_balance_says_when_it_was_asked(operator_client, fake_provider):
    from .conftest import provider_error

    fake_provider.balance_error = provider_error()
    response = open_confirm(operator_client, make_user(), [make_item()])
    assert "balance unavailable" in text(response) and "read at " in text(response)


def test_balance_cached_in_the_old_format_is_asked_again(operator_client, fake_provider):
    cache.set("purchases:buy:balance:skinsback", fake_provider.balance_amount, 30)
    response = open_confirm(operator_client, make_user(), [make_item()])
    assert response.context["balance"].read_at is not None and fake_provider.reads == [Call("balance")]


def test_each_confirmation_line_says_how_old_its_price_is(operator_client, fake_provider):
    fresh = make_item(name="Fresh")
    page = text(open_confirm(operator_client, make_user(), [fresh]))
    assert "price read 0 s ago" in page
    assert "all read in the last 5 minutes: not asked again" in page


def test_item_list_shows_the_age_of_each_price(operator_client):
    make_item(name="Old", synced_at=timezone.now() - timedelta(days=3, hours=2))
    make_item(name="New")
    make_item(name="Never", synced_at=None)
    page = text(operator_client.get(ITEMS_URL))
    assert "Price read" in page
    assert re.search(r'class="bo-read" title="[^"]+">3 days ago<', page)
    assert ">0 s ago<" in page and ">never read<" in page


def test_item_list_queries_do_not_grow_with_rows(operator_client):
    make_item()
    operator_client.get(ITEMS_URL)

    one, _ = queries(operator_client, ITEMS_URL)
    for _ in range(60):
        make_item(synced_at=timezone.now() - timedelta(days=1))
    assert queries(operator_client, ITEMS_URL)[0] == one
