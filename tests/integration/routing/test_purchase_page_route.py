"""The purchase page says where a line was bought and why (issue 22): best price, the operator's choice or a
failover; each provider's quote at the time and the saving; a failover links to the refused line and the
refused line to its failover, worded as a failover."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import Purchase, Route
from tests.factories import make_purchase, make_user

from .test_failover import buy_at_skinsback, pair

pytestmark = pytest.mark.django_db


def url(purchase: Purchase) -> str:
    return reverse("admin:purchases_purchase_change", args=[purchase.pk])


def head(client, purchase: Purchase) -> str:
    response = client.get(url(purchase))
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('id="bo-head"') : page.index('class="bo-timeline"')]


def test_a_best_price_line_shows_the_quotes_and_the_saving(support_c):
    purchase = make_purchase(
        provider="skinify",
        route=Route.BEST,
        route_quotes={"skinsback": "12.30", "skinify": "11.90"},
        route_saving=Decimal("0.40"),
    )
    said = head(support_c, purchase)
    assert "<strong>Best price</strong>" in said
    quotes = said[said.index('id="bo-route-quotes"') :]
    assert quotes.index("Skinify 11.90 USD") < quotes.index("SkinsBack 12.30 USD")  # cheapest first
    assert "Skinify 11.90 USD <strong>(chosen)</strong>" in quotes
    assert 'id="bo-route-saving">Saved <strong>0.40 USD</strong> against the next best quote' in said


def test_an_operator_choice_that_cost_more_says_so(support_c):
    purchase = make_purchase(
        provider="skinsback",
        route=Route.OPERATOR,
        route_quotes={"skinsback": "12.30", "skinify": "11.90"},
        route_saving=Decimal("-0.40"),
    )
    said = head(support_c, purchase)
    assert "<strong>Chosen by the operator</strong>" in said
    assert "Cost 0.40 USD more than the next best quote" in said
    assert "SkinsBack 12.30 USD <strong>(chosen)</strong>" in said


def test_a_line_bought_where_it_was_asked_shows_no_route(support_c):
    said = head(support_c, make_purchase(state="delivered"))
    assert 'id="bo-route"' not in said and "Failover" not in said


def test_a_line_only_one_provider_quoted(support_c):
    purchase = make_purchase(route_quotes={"skinsback": "5.00"})
    said = head(support_c, purchase)
    assert "<strong>Only provider quoting it</strong>" in said and 'id="bo-route-saving"' not in said


def test_the_failover_and_the_refused_line_link_to_each_other(support_c):
    user = make_user()
    refused = make_purchase(steam_user=user, state="rejected", error_reason="skin_unavailable")
    failover = make_purchase(
        steam_user=user,
        provider="skinify",
        state="in_progress",
        replaces=refused,
        route=Route.FAILOVER,
        route_quotes={"skinify": "10.80"},
    )
    on_refused = head(support_c, refused)
    assert ">Failover</span>" in on_refused
    assert (
        f'failed over to Skinify as <a id="bo-replaced-by" href="{url(failover)}">{failover.custom_id}</a>'
        in (on_refused)
    )
    assert "(in progress)" in on_refused
    on_failover = head(support_c, failover)
    assert ">Failover</span>" in on_failover
    assert f'failover of <a id="bo-replaces" href="{url(refused)}">{refused.custom_id}</a>' in on_failover
    assert "(refused by SkinsBack)" in on_failover
    assert "<strong>Failover after a refusal</strong>" in on_failover
    assert "Skinify 10.80 USD <strong>(chosen)</strong>" in on_failover


def test_a_manual_buy_again_keeps_its_words(support_c):
    old = make_purchase(state="failed")
    new = make_purchase(replaces=old)
    assert "Bought again as</span>" in head(support_c, old) and "failed over" not in head(support_c, old)
    assert "Bought again in place of</span>" in head(support_c, new)


def test_the_links_cost_one_query_each_at_most(support_c):
    refused = make_purchase(state="rejected")
    failover = make_purchase(provider="skinify", replaces=refused, route=Route.FAILOVER)
    for purchase in (refused, failover):
        with CaptureQueriesContext(connection) as ctx:
            head(support_c, purchase)
        sql = [q["sql"] for q in ctx.captured_queries]
        assert len([q for q in sql if '"purchases_purchase"."replaces_id" = ' in q]) <= 1


@pytest.mark.django_db(transaction=True)
def test_a_real_failover_reads_as_one_on_both_pages(sandbox, support_c):
    ours, theirs = pair(sandbox)
    sandbox.state.inject("market_batch_buy", "error_5", times=1)
    [refused] = buy_at_skinsback(make_user(), ours)
    failover = Purchase.objects.get(replaces=refused)
    on_refused = head(support_c, refused)
    assert "failed over to Skinify as <a" in on_refused and failover.custom_id in on_refused
    on_failover = head(support_c, failover)
    assert "failover of <a" in on_failover and refused.custom_id in on_failover
    assert f"Skinify {theirs[0].price:,.2f} USD <strong>(chosen)</strong>" in on_failover
