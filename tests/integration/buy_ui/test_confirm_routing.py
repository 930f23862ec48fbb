"""Issue 22 on the confirmation page: each line is bought where its skin is cheapest among the providers that
can buy, the operator may switch a line to another provider the page offered, and the choice is recorded
on the purchase (route, route_quotes, route_saving). Both providers are the sandbox's (no internet)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from purchases.models import Item, ProviderCall, Purchase, Route
from purchases.policy.pause import pause_buying, resume_buying
from purchases.services.recheck import MAX_READS
from tests.factories import make_item, make_purchase, make_user

from .helpers import CONFIRM_URL, form_data, open_confirm, text

# transactional: the page's re-read threads write the rate-limit counters (database cache) on their own
# connections; in a test's open transaction they would wait forever on rows the page's thread wrote
pytestmark = pytest.mark.django_db

NAME = "AK-47 | Redline (Field-Tested)"


def both(name: str = NAME, *, skinsback: str = "12.40", skinify: str = "11.90") -> tuple[Item, Item]:
    """One skin listed at both providers (fresh prices: the page does not re-read them)."""
    return (
        make_item(provider="skinsback", name=name, price=Decimal(skinsback)),
        make_item(provider="skinify", name=name, price=Decimal(skinify)),
    )


def row(response, key: str) -> str:
    return text(response).split(f'data-key="{key}"')[1].split("</tr>")[0]


def post(client, page, **changes):
    return client.post(CONFIRM_URL, form_data(page, **changes))


def test_the_cheapest_provider_is_chosen_shown_and_recorded(operator_client, sandbox, enqueue):
    ours, theirs = both()
    page = open_confirm(operator_client, make_user(), [ours])  # picked at SkinsBack, cheaper at Skinify
    (line,) = page.context["plan"].lines
    assert (line.key, line.item, line.provider) == (f"i{ours.pk}", theirs, "skinify")
    assert line.default_max == Decimal("13.09") and line.offers == {
        "skinify": theirs.pk,
        "skinsback": ours.pk,
    }
    shown = row(page, line.key)
    assert "Skinify · 11.90 USD" in shown and "SkinsBack · 12.40 USD" in shown  # the select
    assert "saves 0.50 USD against SkinsBack" in shown and "best price" in shown
    assert page.context["saving_total"] == Decimal("0.50")
    assert 'id="bo-saving-total">0.50 USD' in text(page)
    assert page.context["plan"].providers == ["skinify"]
    assert {p.code for p in page.context["providers"]} == {"skinify", "skinsback"}  # both balances shown
    assert 'id="bo-balance-skinify"' in text(page) and 'id="bo-balance-skinsback"' in text(page)
    response = post(operator_client, page)
    assert response.status_code == 302
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.item, purchase.route) == ("skinify", theirs, Route.BEST)
    assert purchase.route_quotes == {"skinify": "11.90", "skinsback": "12.40"}
    assert purchase.route_saving == Decimal("0.50") and purchase.max_price == Decimal("13.09")


def test_a_line_switched_to_the_dearer_provider_is_recorded_as_the_operators(
    operator_client, sandbox, enqueue
):
    ours, theirs = both()
    page = open_confirm(operator_client, make_user(), [theirs])
    key = f"i{theirs.pk}"
    response = post(operator_client, page, **{f"via_{key}": "skinsback", f"max_{key}": "13.64"})
    assert response.status_code == 302
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.item, purchase.route) == ("skinsback", ours, Route.OPERATOR)
    assert purchase.route_saving == Decimal("-0.50") and purchase.max_price == Decimal("13.64")


def test_a_mixed_batch_buys_each_line_where_it_is_cheapest(operator_client, sandbox, enqueue):
    cheap_here = both("Glock-18 | Fade (Factory New)", skinsback="5.00", skinify="5.40")
    cheap_there = both("AWP | Asiimov (Field-Tested)", skinsback="30.00", skinify="28.50")
    only_here = make_item(provider="skinsback", name="USP-S | Orion (Minimal Wear)", price=Decimal("3.00"))
    page = open_confirm(operator_client, make_user(), [cheap_here[1], cheap_there[0], only_here])
    assert [line.provider for line in page.context["plan"].lines] == ["skinsback", "skinify", "skinsback"]
    assert page.context["plan"].providers == ["skinsback", "skinify"]
    assert "only SkinsBack lists it" in row(page, f"i{only_here.pk}")
    assert page.context["saving_total"] == Decimal("1.90")  # 0.40 + 1.50; the third has no other quote
    figures = {p.code: (p.lines, p.expected) for p in page.context["providers"]}
    assert figures == {"skinsback": (2, Decimal("8.00")), "skinify": (1, Decimal("28.50"))}
    assert post(operator_client, page).status_code == 302
    bought = Purchase.objects.order_by("batch_line")
    assert [(p.provider, p.item) for p in bought] == [
        ("skinsback", cheap_here[0]),
        ("skinify", cheap_there[1]),
        ("skinsback", only_here),
    ]
    assert [p.route_saving for p in bought] == [Decimal("0.40"), Decimal("1.50"), None]


def make_skinify_unhealthy(sandbox) -> None:
    """Its last requests failed: two timeouts, and the page's own balance read fails too."""
    for _ in range(2):
        ProviderCall.objects.create(provider="skinify", method="withdraw/buy", outcome="timeout")
    sandbox.state.inject("project-balance", "http_500", times=5)


@pytest.mark.parametrize(
    ("problem", "said"),
    [
        ("paused", "buying is paused"),
        ("low", "balance low (10,000.00 USD)"),
        ("unhealthy", "request(s) failed in the last 5 min"),
    ],
)
def test_a_provider_that_cannot_buy_is_skipped_and_the_page_says_why(
    operator_client, sandbox, settings, enqueue, problem, said
):
    ours, _theirs = both()  # Skinify is cheaper
    if problem == "paused":
        pause_buying(provider="skinify", actor=None, reason="maintenance", source="test")
    elif problem == "low":
        settings.PROVIDER_LOW_BALANCE_USD = "skinify=20000"  # the sandbox's Skinify holds about 10,000
    else:
        make_skinify_unhealthy(sandbox)
    page = open_confirm(operator_client, make_user(), [ours])
    (line,) = page.context["plan"].lines
    assert (line.provider, line.item, line.offers) == ("skinsback", ours, {"skinsback": ours.pk})
    shown = row(page, line.key)
    assert said in shown and 'class="bo-via"' not in shown  # nothing to switch to
    assert "Skinify" in shown and "11.90 USD" in shown
    assert post(operator_client, page).status_code == 302
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.route) == ("skinsback", Route.BEST)
    assert purchase.route_quotes == {"skinify": "11.90", "skinsback": "12.40"}


def test_a_line_no_provider_can_buy_is_skipped_with_each_reason(operator_client, sandbox):
    ours, _ = both()
    pause_buying(provider=None, actor=None, reason="audit", source="test")
    page = open_confirm(operator_client, make_user(), [ours])
    assert page.context["plan"].lines == []
    (skipped,) = page.context["plan"].skipped
    assert skipped.reason == (
        "no provider can buy it now (Skinify: buying is paused; SkinsBack: buying is paused)"
    )


def test_only_a_warning_does_not_stop_a_line_no_other_provider_can_buy(operator_client, sandbox, settings):
    settings.PROVIDER_LOW_BALANCE_USD = "20000"  # both providers "low"
    ours, theirs = both()
    page = open_confirm(operator_client, make_user(), [ours])
    (line,) = page.context["plan"].lines
    assert line.item == theirs and set(line.offers) == {"skinify", "skinsback"}
    assert "bought at Skinify anyway" in row(page, line.key)


def test_a_provider_that_stopped_meanwhile_is_said_not_silently_replaced(operator_client, sandbox, enqueue):
    ours, _theirs = both()
    page = open_confirm(operator_client, make_user(), [ours])
    pause_buying(provider="skinify", actor=None, reason="maintenance", source="test")
    again = post(operator_client, page)
    assert again.status_code == 200 and Purchase.objects.count() == 0
    problems = " ".join(again.context["problems"])
    assert f"{NAME}: Skinify cannot buy it now (buying is paused): choose another provider." in problems
    (line,) = again.context["plan"].lines  # shown again at the provider that can buy, to be confirmed
    assert line.provider == "skinsback" and again.context["form"][f"via_{line.key}"].value() == "skinsback"
    assert post(operator_client, again).status_code == 302
    assert Purchase.objects.get().provider == "skinsback"


def test_a_crafted_provider_buys_nothing(operator_client, sandbox, enqueue):
    ours, theirs = both()
    pause_buying(provider="skinify", actor=None, reason="maintenance", source="test")
    page = open_confirm(operator_client, make_user(), [ours])  # offers SkinsBack only
    key = f"i{ours.pk}"
    resume_buying(provider="skinify", actor=None, source="test")  # it could buy now: still not offered
    for crafted in ("skinify", f"i{theirs.pk}", "nowhere"):
        refused = post(operator_client, page, **{f"via_{key}": crafted})
        assert refused.status_code == 200 and Purchase.objects.count() == 0
        assert "is not a provider this page offered for this line" in text(refused)


def test_a_listing_not_in_the_signed_plan_is_never_bought(operator_client, sandbox, enqueue):
    ours, theirs = both()
    page = open_confirm(operator_client, make_user(), [ours])
    cheaper = make_item(provider="skinify", name=NAME, price=Decimal("9.00"))  # listed after the page
    assert post(operator_client, page).status_code == 302
    purchase = Purchase.objects.get()
    assert purchase.item == theirs and purchase.item != cheaper  # the listing the page showed and signed
    assert purchase.route_quotes == {"skinify": "9.00", "skinsback": "12.40"}  # what each quotes now


def test_a_line_bought_again_keeps_its_provider(operator_client, sandbox):
    ours, _theirs = both()
    old = make_purchase(item=ours, state="failed")
    page = open_confirm(operator_client, old.steam_user, replaces=[old])
    (line,) = page.context["plan"].lines
    assert (line.provider, line.item, line.choice, line.offers) == ("skinsback", ours, None, {})
    assert "<dt>Provider</dt><dd>SkinsBack</dd>" in text(page) and 'class="bo-via"' not in text(page)
    assert "via_r" not in "".join(page.context["form"].fields)


def test_one_provider_configured_shows_the_page_as_before(operator_client, sandbox, settings):
    settings.BUY_PROVIDERS = ["skinsback"]
    ours, _ = both()
    page = open_confirm(operator_client, make_user(), [ours])
    (line,) = page.context["plan"].lines
    assert (line.item, line.choice) == (ours, None)
    assert "Bought at" not in text(page) and not page.context["routed"]
    assert not [name for name in page.context["form"].fields if name.startswith("via_")]


def test_routed_page_queries_do_not_grow_with_lines(operator_client, sandbox, django_assert_max_num_queries):
    user = make_user()
    pairs = [both(f"Skin {n} (Field-Tested)", skinify=f"{11 + n % 3}.00") for n in range(21)]
    open_confirm(operator_client, user, [pairs[0][0]])  # warms the balance and permission caches

    def queries(picked) -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = open_confirm(operator_client, user, picked)
        assert len(page.context["plan"].lines) == len(picked)
        return len(ctx.captured_queries)

    one = queries([pairs[1][0]])
    assert queries([ours for ours, _ in pairs[1:]]) == one
    with django_assert_max_num_queries(one):
        open_confirm(operator_client, user, [theirs for _, theirs in pairs[1:]])


def test_routed_post_queries_do_not_grow_with_lines(operator_client, sandbox, enqueue):
    user = make_user()

    def queries(count: int) -> int:
        picked = [both(f"Post {count} {n} (Field-Tested)")[0] for n in range(count)]
        data = form_data(open_confirm(operator_client, user, picked))
        with CaptureQueriesContext(connection) as ctx:
            assert operator_client.post(CONFIRM_URL, data).status_code == 302
        return len([q for q in ctx.captured_queries if not q["sql"].startswith("INSERT")])

    assert queries(1) == queries(20)


def test_two_lines_of_one_skin_never_buy_one_listing(operator_client, sandbox, enqueue):
    ours, theirs = both()
    page = open_confirm(operator_client, make_user(), [ours, theirs])  # both listings of one skin ticked
    first, second = page.context["plan"].lines
    assert (first.item, second.item) == (theirs, ours)  # the cheaper for the first, the other for the second
    assert second.offers == {"skinsback": ours.pk}
    # the first switched onto the second's listing: said, nothing bought, shown again apart
    again = post(operator_client, page, **{f"via_{first.key}": "skinsback"})
    assert again.status_code == 200 and Purchase.objects.count() == 0
    assert "another line of this page buys the same listing there" in " ".join(again.context["problems"])
    first, second = again.context["plan"].lines
    assert (first.item, second.item) == (ours, theirs)
    assert post(operator_client, again).status_code == 302
    assert sorted(Purchase.objects.values_list("item", flat=True)) == sorted([ours.pk, theirs.pk])


def stale_pairs(sandbox, count: int) -> list[tuple[Item, Item]]:
    """`count` sandbox skins on sale at both providers, their prices read two days ago."""
    catalog, pairs = sandbox.state.catalog, []
    read = timezone.now() - timedelta(days=2)
    for index in range(count * 2):
        ours = catalog.listing("skinsback", "cs2", index)
        theirs = next(catalog.by_name("skinify", "csgo", ours.name), None)
        if ours.available and theirs is not None and theirs.available and len(pairs) < count:
            pairs.append(
                tuple(
                    make_item(
                        provider=code, provider_item_id=str(x.id), name=x.name, price=x.price, synced_at=read
                    )
                    for code, x in (("skinsback", ours), ("skinify", theirs))
                )
            )
    return pairs


@pytest.mark.django_db(transaction=True)  # see pytestmark
def test_the_re_read_covers_both_providers_chosen_listings_first_within_the_page_cap(
    operator_client, sandbox
):
    pairs = stale_pairs(sandbox, 15)  # 30 stale listings: one read each (a search per name, Skinify by id)
    page = open_confirm(operator_client, make_user(), [ours for ours, _ in pairs])
    requests = sandbox.state.requests
    assert requests["market_search"] + requests["withdraw/price"] == MAX_READS
    assert requests["market_search"] >= 1 and requests["withdraw/price"] >= 1
    recent = timezone.now() - timedelta(minutes=1)
    lines = page.context["plan"].lines
    assert len(lines) == 15 and all(line.item.synced_at > recent for line in lines)  # every chosen one
    shown = page.context["recheck"]
    assert "re-read from" in shown and "SkinsBack" in shown and "Skinify" in shown
    assert "10 not re-read (at most 20 requests per page)" in shown


@pytest.mark.django_db(transaction=True)  # see pytestmark
def test_a_switch_to_a_provider_above_the_max_price_is_refused_with_the_reason(
    operator_client, sandbox, enqueue
):
    ours, _ = both(skinsback="14.00")  # Skinify 11.90: the default max price is 13.09
    page = open_confirm(operator_client, make_user(), [ours])
    key = f"i{ours.pk}"
    again = post(operator_client, page, **{f"via_{key}": "skinsback"})  # the max price left at 13.09
    assert again.status_code == 200 and Purchase.objects.count() == 0
    problems = " ".join(again.context["problems"])
    assert f"{NAME}: the max price 13.09 USD is below the current price 14.00 USD" in problems
    (line,) = again.context["plan"].lines  # shown again as switched, flagged below its price
    assert line.provider == "skinsback" and again.context["below_count"] == 1
    assert post(operator_client, again, **{f"max_{key}": "14.50"}).status_code == 302
    assert Purchase.objects.get().route == Route.OPERATOR
