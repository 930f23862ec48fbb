"""routing.choose and provider health: the cheapest quote that can buy, and why the others cannot."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from purchases.demo import seed_demo
from purchases.models import Item, ProviderCall, Purchase, Route
from purchases.policy.balance import note_balance
from purchases.policy.pause import pause_buying
from purchases.routing import choose, provider_problems, unhealthy

pytestmark = pytest.mark.django_db

NAME = "AK-47 | Redline (Field-Tested)"


def listing(provider: str, price: str, *, name: str = NAME, available: bool = True, n: int = 1) -> Item:
    return Item.objects.create(
        provider=provider,
        provider_item_id=f"{provider}-{price}-{n}",
        name=name,
        game="cs2",
        price=Decimal(price),
        available=available,
    )


def test_the_cheapest_provider_is_chosen_and_the_saving_is_the_next_best_minus_it():
    dear = listing("skinsback", "12.40")
    cheap = listing("skinify", "11.90")
    choice = choose(dear.skin, max_price=Decimal("13.00"), problems={})
    assert choice.chosen.quote.item == cheap and choice.route == Route.BEST
    assert choice.saving == Decimal("0.50")
    assert choice.quotes == {"skinify": "11.90", "skinsback": "12.40"}


def test_the_same_skin_spelled_differently_is_matched():
    listing("skinsback", "5.00")
    other = listing("skinify", "4.00", name="ak-47  |  redline (field tested)")
    choice = choose(other.skin, max_price=None, problems={})
    assert [o.provider for o in choice.options] == ["skinify", "skinsback"]


def test_a_quote_above_the_max_price_cannot_buy():
    listing("skinsback", "12.40")
    cheap = listing("skinify", "11.90")
    choice = choose(cheap.skin, max_price=Decimal("11.00"), problems={})
    assert choice.chosen is None
    assert all("above the max price" in o.why_not for o in choice.options)


def test_only_the_cheapest_listing_on_sale_of_each_provider_is_quoted():
    listing("skinsback", "9.00", available=False)
    listing("skinsback", "10.00", n=2)
    listing("skinsback", "11.00", n=3)
    item = listing("skinify", "10.50")
    choice = choose(item.skin, max_price=None, problems={})
    assert [(o.provider, o.price) for o in choice.options] == [
        ("skinsback", Decimal("10.00")),
        ("skinify", Decimal("10.50")),
    ]


def test_the_operator_may_prefer_a_dearer_provider_and_the_saving_goes_negative():
    listing("skinsback", "12.40")
    cheap = listing("skinify", "11.90")
    choice = choose(cheap.skin, max_price=Decimal("13.00"), problems={}, prefer="skinsback")
    assert choice.chosen.provider == "skinsback" and choice.route == Route.OPERATOR
    assert choice.saving == Decimal("-0.50")


def test_a_preferred_provider_that_cannot_buy_is_not_chosen():
    listing("skinsback", "12.40")
    cheap = listing("skinify", "11.90")
    problems = {"skinsback": "buying is paused"}
    choice = choose(cheap.skin, max_price=Decimal("13.00"), problems=problems, prefer="skinsback")
    assert choice.chosen.provider == "skinify"


@pytest.mark.parametrize("skip", ["paused", "low", "down"])
def test_a_paused_low_or_unhealthy_provider_is_skipped(settings, skip):
    settings.PROVIDER_LOW_BALANCE_USD = "100"
    listing("skinsback", "12.40")
    cheap = listing("skinify", "11.90")
    if skip == "paused":
        pause_buying(provider="skinify", actor=None, reason="test", source="test")
    elif skip == "low":
        note_balance(provider="skinify", usd=Decimal("3.00"))
    else:
        for _ in range(2):
            ProviderCall.objects.create(provider="skinify", method="withdraw/buy", outcome="timeout")
    problems = provider_problems()
    assert set(problems) == {"skinify"}
    choice = choose(cheap.skin, max_price=Decimal("13.00"), problems=problems)
    assert choice.chosen.provider == "skinsback"
    assert choice.option("skinify").why_not == problems["skinify"]


def test_health_looks_at_the_newest_requests_only():
    now = timezone.now()
    ProviderCall.objects.create(provider="skinify", method="withdraw/buy", outcome="timeout", started_at=now)
    assert unhealthy("skinify")  # its only request lately failed
    ProviderCall.objects.create(provider="skinify", method="balance", outcome="ok", started_at=now)
    assert unhealthy("skinify") == ""  # it answered since
    old = now - timedelta(minutes=30)
    ProviderCall.objects.filter(provider="skinify").update(started_at=old)
    ProviderCall.objects.create(
        provider="skinify", method="x", outcome="error", error_message="under_maintenance", started_at=now
    )
    assert "under_maintenance" in unhealthy("skinify")
    ProviderCall.objects.create(
        provider="skinify", method="x", outcome="error", error_message="skin_unavailable", started_at=now
    )
    assert unhealthy("skinify") == ""  # a refusal of one skin says nothing of the provider


def test_health_reads_two_rows_through_the_index(django_assert_num_queries):
    with django_assert_num_queries(1):
        unhealthy("skinsback")


def test_the_demo_lists_skins_at_both_providers_at_different_prices_and_a_failover():
    seed_demo()
    shared = Item.objects.filter(provider="skinify").values_list("skin", flat=True)
    ours = dict(Item.objects.filter(provider="skinsback", skin__in=shared).values_list("skin", "price"))
    theirs = dict(Item.objects.filter(provider="skinify", skin__in=ours).values_list("skin", "price"))
    assert len(ours) >= 10 and any(ours[s] != theirs[s] for s in ours)
    assert any(theirs[s] < ours[s] for s in ours) and any(theirs[s] > ours[s] for s in ours)
    failover = Purchase.objects.get(route=Route.FAILOVER)
    assert failover.replaces.provider != failover.provider
    assert seed_demo()["purchases_created"] == 0  # idempotent


def test_a_skin_one_provider_lists_is_not_routed():
    only = listing("skinsback", "12.40")
    choice = choose(only.skin, max_price=Decimal("13.00"), problems={})
    assert choice.chosen.quote.item == only and choice.route == "" and choice.saving is None


def test_a_paused_providers_price_is_no_alternative_to_save_against():
    listing("skinsback", "12.40")
    cheap = listing("skinify", "11.90")
    choice = choose(cheap.skin, max_price=Decimal("13.00"), problems={"skinify": "buying is paused"})
    assert choice.chosen.provider == "skinsback" and choice.saving is None
