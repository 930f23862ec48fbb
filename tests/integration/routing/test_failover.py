"""Failover (issue 22): a positive refusal buys the line once at another provider that quoted it within the
same max price; an unknown outcome never does (0 buys at the second provider)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from purchases.models import Item, Purchase, PurchaseEvent, Route
from purchases.services import BuyLine, purchases_create
from purchases.status import State
from tests.factories import make_purchase, make_user

from ..services.helpers import sandbox_items

pytestmark = pytest.mark.django_db(transaction=True)


def pair(sandbox, count=1):
    """`count` skins listed at both providers: (SkinsBack items, Skinify items), the same skin per index."""
    ours = sandbox_items(sandbox, count)
    theirs = [skinify_item(sandbox, item.name) for item in ours]
    assert [i.skin for i in ours] == [i.skin for i in theirs]
    return ours, theirs


def skinify_item(sandbox, name: str) -> Item:
    """Skinify's listing of `name` in the sandbox (its CS2 is "csgo" there, "cs2" in our catalog)."""
    catalog = sandbox.state.catalog
    listing = next(
        found
        for found in (catalog.listing("skinify", "csgo", i) for i in range(400))
        if found.name == name and found.available
    )
    return Item.objects.create(
        provider="skinify", provider_item_id=str(listing.id), name=name, game="cs2", price=listing.price
    )


def buy_at_skinsback(user, items, *, headroom="1.5", enqueue=True):
    """Max prices well above both providers' prices (Skinify sells at 92-108 % of SkinsBack)."""
    lines = [
        BuyLine(max_price=(item.price * Decimal(headroom)).quantize(Decimal("0.01")), item=item)
        for item in items
    ]
    batch = uuid.uuid4()
    return purchases_create(
        steam_user=user, lines=lines, actor=None, batch_id=batch, enqueue=enqueue
    ).purchases


def skinify_buys(sandbox) -> int:
    return sandbox.state.requests["withdraw/buy"]


@pytest.mark.parametrize("code", ["error_5", "error_6", "error_4"])
def test_a_positive_refusal_fails_over_exactly_once(sandbox, code):
    ours, theirs = pair(sandbox)
    sandbox.state.inject("market_batch_buy", code, times=1)
    [refused] = buy_at_skinsback(make_user(), ours)
    refused.refresh_from_db()
    assert refused.state == State.REJECTED
    replacement = Purchase.objects.get(replaces=refused)
    assert replacement.provider == "skinify" and replacement.route == Route.FAILOVER
    assert replacement.custom_id != refused.custom_id
    assert replacement.max_price == refused.max_price and replacement.steam_user_id == refused.steam_user_id
    assert replacement.item_id == theirs[0].pk
    assert replacement.state == State.IN_PROGRESS  # bought at Skinify in the same task run
    assert sandbox.state.buys_recorded[refused.custom_id] == 0
    assert sandbox.state.buys_recorded[replacement.custom_id] == 1
    assert skinify_buys(sandbox) == 1
    assert set(replacement.route_quotes) == {"skinify"}
    said = PurchaseEvent.objects.filter(purchase=refused, source="failover").values_list("message", flat=True)
    assert [m for m in said if replacement.custom_id in m]


def test_the_failover_of_a_failover_never_happens(sandbox):
    ours, _ = pair(sandbox)
    sandbox.state.inject("market_batch_buy", "error_5", times=1)
    sandbox.state.inject("withdraw/buy", "error_skin_unavailable", times=1)
    [refused] = buy_at_skinsback(make_user(), ours)
    replacement = Purchase.objects.get(replaces=refused)
    assert replacement.state == State.REJECTED
    assert not Purchase.objects.filter(replaces=replacement).exists()
    assert Purchase.objects.count() == 2
    assert sandbox.state.requests["market_batch_buy"] == 1 and skinify_buys(sandbox) == 1
    said = " ".join(PurchaseEvent.objects.filter(purchase=refused).values_list("message", flat=True))
    assert "refused by Skinify too" in said  # each provider's reason on the line


@pytest.mark.parametrize(
    "fault", ["timeout_after_record", "cut_body", "http_500", "error_no_code", "error_99", "garbled"]
)
def test_an_unknown_outcome_never_fails_over(sandbox, settings, fault):
    settings.PROVIDER_READ_TIMEOUT = 0.5
    ours, _ = pair(sandbox)
    sandbox.state.inject("market_batch_buy", fault, times=1, latency=1.0 if "timeout" in fault else 0.0)
    sandbox.state.inject("market_getinfo", "http_500", times=10)  # the lookup cannot settle it either
    [purchase] = buy_at_skinsback(make_user(), ours)
    purchase.refresh_from_db()
    assert purchase.state != State.REJECTED or purchase.error_code == ""  # never a refusal on a guess
    assert skinify_buys(sandbox) == 0
    assert Purchase.objects.count() == 1
    assert not PurchaseEvent.objects.filter(source="failover").exists()


def test_a_refusal_about_the_recipient_does_not_fail_over(sandbox):
    ours, _ = pair(sandbox)
    sandbox.state.inject("market_batch_buy", "error_9", times=1)  # invalid_token_value
    [purchase] = buy_at_skinsback(make_user(), ours)
    purchase.refresh_from_db()
    assert purchase.state == State.REJECTED
    assert skinify_buys(sandbox) == 0 and Purchase.objects.count() == 1


def test_no_failover_above_the_max_price(sandbox):
    ours, theirs = pair(sandbox)
    theirs[0].price = ours[0].price * 2
    theirs[0].save()
    sandbox.state.inject("market_batch_buy", "error_6", times=1)
    [purchase] = buy_at_skinsback(make_user(), ours, headroom="1.2")
    assert skinify_buys(sandbox) == 0 and Purchase.objects.count() == 1
    said = PurchaseEvent.objects.get(purchase=purchase, source="failover").message
    assert "above the max price" in said


def test_no_failover_to_a_paused_provider(sandbox):
    from purchases.policy.pause import pause_buying

    ours, _ = pair(sandbox)
    pause_buying(provider="skinify", actor=None, reason="maintenance window", source="test")
    sandbox.state.inject("market_batch_buy", "error_5", times=1)
    [purchase] = buy_at_skinsback(make_user(), ours)
    assert skinify_buys(sandbox) == 0 and Purchase.objects.count() == 1
    assert "paused" in PurchaseEvent.objects.get(purchase=purchase, source="failover").message


def send(purchases):
    from purchases.services import purchases_send

    purchases_send(purchase_ids=[p.pk for p in purchases])


def test_the_failover_passes_the_repeat_guard(sandbox):
    ours, theirs = pair(sandbox)
    user = make_user()
    [refused] = buy_at_skinsback(user, ours, enqueue=False)
    # meanwhile the same skin reached this Steam user another way: the failover would pay it twice
    make_purchase(steam_user=user, item=theirs[0], item_name=theirs[0].name, state=State.IN_PROGRESS)
    sandbox.state.inject("market_batch_buy", "error_5", times=1)
    send([refused])
    assert skinify_buys(sandbox) == 0
    assert not Purchase.objects.filter(replaces=refused).exists()
    said = PurchaseEvent.objects.get(purchase=refused, source="failover").message
    assert said.startswith("no failover:") and "already paid this skin" in said


def test_a_failover_over_a_limit_waits_for_an_approver(sandbox, settings):
    ours, _ = pair(sandbox)
    [refused] = buy_at_skinsback(make_user(), ours, enqueue=False)
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = "0.01"  # lowered since the line was created
    sandbox.state.inject("market_batch_buy", "error_5", times=1)
    send([refused])
    replacement = Purchase.objects.get(replaces=refused)
    assert replacement.state == State.AWAITING_APPROVAL and "limit" in replacement.approval_reason
    assert skinify_buys(sandbox) == 0  # held: nothing sent


def test_a_failover_retried_creates_nothing_new(sandbox):
    from purchases.services.failover import purchase_failover

    ours, _ = pair(sandbox)
    sandbox.state.inject("market_batch_buy", "error_5", times=1)
    [refused] = buy_at_skinsback(make_user(), ours)
    refused.refresh_from_db()
    again = purchase_failover(purchase=refused, code=5, reason="skin_unavailable")
    assert again is None or again.pk == Purchase.objects.get(replaces=refused).pk
    assert Purchase.objects.count() == 2 and skinify_buys(sandbox) == 1


def test_a_skinify_refusal_fails_over_to_skinsback(sandbox):
    ours, theirs = pair(sandbox)
    sandbox.state.inject("withdraw/buy", "error_skins_not_found_at_specified_price", times=1)
    line = BuyLine(max_price=(ours[0].price * Decimal("1.5")).quantize(Decimal("0.01")), item=theirs[0])
    [refused] = purchases_create(
        steam_user=make_user(), lines=[line], actor=None, batch_id=uuid.uuid4()
    ).purchases
    replacement = Purchase.objects.get(replaces=refused)
    assert (replacement.provider, replacement.item_id) == ("skinsback", ours[0].pk)
    assert sandbox.state.buys_recorded[replacement.custom_id] == 1
    assert sandbox.state.requests["market_batch_buy"] + sandbox.state.requests["market_buy"] == 1


def test_a_whole_batch_refused_for_funds_fails_over_line_by_line_once_each(sandbox):
    ours, _ = pair(sandbox, 3)
    sandbox.state.inject("market_batch_buy", "error_4", times=1)  # insufficient_funds at SkinsBack
    refused = buy_at_skinsback(make_user(), ours)
    replacements = list(Purchase.objects.filter(replaces__in=refused))
    assert len(replacements) == 3 and {p.provider for p in replacements} == {"skinify"}
    assert [sandbox.state.buys_recorded[p.custom_id] for p in replacements] == [1, 1, 1]
    assert [sandbox.state.buys_recorded[p.custom_id] for p in refused] == [0, 0, 0]
    assert skinify_buys(sandbox) == 3


def test_a_rejection_inferred_by_the_sync_never_fails_over(sandbox):
    from datetime import timedelta

    from django.utils import timezone

    from purchases.services import purchases_sync

    ours, _ = pair(sandbox)
    sandbox.state.inject("market_batch_buy", "http_500", times=1)  # never reached the provider
    [purchase] = buy_at_skinsback(make_user(), ours)
    Purchase.objects.filter(pk=purchase.pk).update(sent_at=timezone.now() - timedelta(minutes=11))
    purchases_sync()
    purchase.refresh_from_db()
    assert purchase.state == State.REJECTED  # inferred: not found after the offer window
    assert skinify_buys(sandbox) == 0 and Purchase.objects.count() == 1


def test_the_batch_page_shows_the_failover_of_its_refused_line(sandbox, admin_client):
    from purchases.admin.buy import batch_url

    ours, _ = pair(sandbox, 2)
    sandbox.state.inject("market_batch_buy", "error_5", times=1)
    refused = buy_at_skinsback(make_user(), ours)
    replacements = list(Purchase.objects.filter(replaces__in=refused))
    unrelated = make_purchase(item=ours[0], item_name=ours[0].name)
    page = admin_client.get(batch_url(refused[0].batch_id)).content.decode()
    assert len(replacements) == 2
    for purchase in [*refused, *replacements]:
        assert purchase.custom_id in page
    assert unrelated.custom_id not in page


def test_the_list_names_the_failover_of_a_refused_line_without_a_query_per_row(sandbox, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    ours, _ = pair(sandbox, 1)
    sandbox.state.inject("market_batch_buy", "error_5", times=1)
    [refused] = buy_at_skinsback(make_user(), ours)
    replacement = Purchase.objects.get(replaces=refused)
    url = reverse("admin:purchases_purchase_changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get(url).content.decode()
    assert f"Refused, failed over to Skinify as {replacement.custom_id}" in page
    more = [make_purchase(state=State.REJECTED, error_reason="skin_unavailable") for _ in range(5)]
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(more) == 5 and len(many.captured_queries) == len(few.captured_queries)
