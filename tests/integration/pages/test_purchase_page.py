"""Issue 13 point 4: the purchase page leads with the amount and what became of it, the state and its
reason in words, the trade offer and hold, Refresh and Buy again; then the timeline; then the fields, whose
sections come from purchases.fields (issue 12: one list of purchase fields)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from purchases.admin.purchase_page import SHOWN_AS, purchase_fieldsets
from purchases.fields import PURCHASE_FIELDS, PurchaseField
from purchases.models import Purchase, PurchaseEvent
from tests.factories import make_purchase

pytestmark = pytest.mark.django_db
CONFIRM_URL = reverse("admin:purchases_buy_confirm")


def page_of(client, purchase) -> str:
    response = client.get(reverse("admin:purchases_purchase_change", args=[purchase.pk]))
    assert response.status_code == 200
    return response.content.decode()


def failed(**fields) -> Purchase:
    fields = {
        "state": "failed",
        "provider_status": "trade_create_error",
        "buy_id": "9",
        "price": Decimal("14.62"),
        "balance_debited": Decimal("14.62"),
        **fields,
    }
    return make_purchase(**fields)


def head(page: str) -> str:
    return page[page.index('id="bo-head"') : page.index('class="bo-timeline"')]


def test_a_failed_purchase_says_why_in_words_and_what_is_known_of_the_money(support_c):
    page = page_of(support_c, failed())
    summary = head(page)
    assert "14.62 USD" in summary and "14.6200" not in page
    assert "The provider could not create the trade offer" in summary
    assert "<code>trade_create_error</code>" in summary  # the provider's word, beside the words
    note = summary[summary.index('id="bo-money-note"') :]
    assert 'Balance debited <strong id="bo-debited">14.62 USD</strong>' in summary
    assert "Whether SkinsBack returns it after this outcome is not documented" in note
    assert "refunded" not in note.lower()
    # the Problems section is no longer empty
    problems = page[page.index(">Problems<") :]
    assert "The provider could not create the trade offer" in problems[: problems.index("</fieldset>")]


def test_a_documented_refund_is_said(support_c):
    purchase = failed(provider="skinify", provider_status="reservation_canceled")
    assert "To be returned: Skinify documents a full refund" in head(page_of(support_c, purchase))


def test_a_rejected_purchase_took_no_money(support_c):
    purchase = make_purchase(state="rejected", error_code="4", error_reason="insufficient_funds")
    summary = head(page_of(support_c, purchase))
    assert "Refused: our balance at the provider was too low" in summary
    assert "Nothing was debited" in summary
    assert "up to 11.00 USD" in summary  # no price: the max price is the amount at stake


def test_the_head_comes_first_then_the_timeline_then_the_fields(support_c):
    purchase = failed(trade_offer_id="6021450999")
    PurchaseEvent.objects.create(purchase=purchase, new_state="failed", source="sync")
    page = page_of(support_c, purchase)
    order = [page.index(marker) for marker in ('id="bo-head"', 'class="bo-timeline"', ">Details<", ">Money<")]
    assert order == sorted(order)
    assert 'id="bo-trade-offer"' in head(page)


def test_buy_again_is_offered_to_buyers_on_rebuyable_purchases_only(operator_c, support_c):
    purchase = failed()
    button = f'id="bo-buy-again" href="{CONFIRM_URL}?steam_user={purchase.steam_user_id}&amp;replaces={purchase.pk}"'
    assert button in page_of(operator_c, purchase)
    assert 'id="bo-buy-again"' not in page_of(support_c, purchase)  # support never spends
    delivered = make_purchase(state="delivered", provider_status="accepted")
    assert 'id="bo-buy-again"' not in page_of(operator_c, delivered)
    make_purchase(replaces=purchase)  # bought again already
    assert 'id="bo-buy-again"' not in page_of(operator_c, purchase)


def test_the_buy_again_button_leads_to_the_confirmation_that_names_the_old_purchase(operator_c):
    purchase = failed()
    response = operator_c.get(f"{CONFIRM_URL}?steam_user={purchase.steam_user_id}&replaces={purchase.pk}")
    assert response.status_code == 200
    assert f"replaces {purchase.custom_id}" in response.content.decode()
    assert Purchase.objects.count() == 1  # nothing is bought before the confirmation is submitted


def test_refresh_is_a_form_outside_the_change_form(support_c):
    purchase = make_purchase(state="in_progress", provider_status="waiting_accept", buy_id="77")
    page = page_of(support_c, purchase)
    refresh = reverse("admin:purchases_purchase_refresh", args=[purchase.pk])
    assert f'action="{refresh}" id="bo-refresh-form"' in page
    assert page.index('id="bo-refresh-form"') < page.index('id="purchase_form"')  # forms do not nest
    assert 'form="bo-refresh-form"' in head(page)
    final = page_of(support_c, failed())
    assert 'id="bo-refresh"' not in final and "Final: nothing to refresh." in final


def test_fieldsets_come_from_the_one_list_of_purchase_fields():
    shown = {name for _, options in purchase_fieldsets() for name in options["fields"]}
    for field in PURCHASE_FIELDS:
        if field.section is not None:
            assert SHOWN_AS.get(field.name, field.name) in shown, field.name


def test_a_field_added_to_the_list_appears_on_the_page(monkeypatch):
    added = (*PURCHASE_FIELDS, PurchaseField("game", exported=False, looked_up=False, section="Origin"))
    monkeypatch.setattr("purchases.fields.PURCHASE_FIELDS", added)
    origin = dict(purchase_fieldsets())["Origin"]["fields"]
    assert origin[-1] == "game"


def test_the_page_queries_do_not_grow_with_callbacks(client, support_c, settings):
    from .helpers import SECRET, queries, send_callback

    settings.SKINSBACK_WEBHOOK_SECRET = SECRET
    purchase = make_purchase(state="in_progress", provider_status="creating_trade", buy_id="555")
    url = reverse("admin:purchases_purchase_change", args=[purchase.pk])
    send_callback(client, purchase, "waiting_accept")  # applied: its event is folded into its line
    queries(support_c, url)  # warm-up
    one, response = queries(support_c, url)
    assert len(response.context["timeline"]) == 1
    for _ in range(19):
        send_callback(client, purchase, "waiting_accept")  # replays: "no change"
    twenty, response = queries(support_c, url)
    assert len(response.context["timeline"]) == 20
    assert one == twenty, f"{one} queries for 1 callback, {twenty} for 20"
