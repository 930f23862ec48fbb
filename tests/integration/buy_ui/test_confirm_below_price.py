"""Issue 13.1: a max price below the item's known price is bound to be refused by the provider
(skins_not_found_at_specified_price). The page flags each such line, and the POST is refused (nothing
created) unless the operator ticks "Send anyway"."""

from decimal import Decimal

import pytest

from purchases.models import Purchase
from tests.factories import make_item, make_user

from .helpers import CONFIRM_URL, form_data, open_confirm, text

pytestmark = pytest.mark.django_db

DRAGON_LORE = Decimal("9120.00")


def test_capped_default_below_the_price_is_flagged_per_line(operator_client, fake_provider):
    user = make_user()
    cheap, dear = make_item(price=Decimal("10.00")), make_item(name="AWP | Dragon Lore", price=DRAGON_LORE)
    response = open_confirm(operator_client, user, [cheap, dear])
    assert response.context["form"][f"max_i{dear.pk}"].value() == Decimal("1000.00")  # the cap
    flags = {line.key: below for line, _, below, *_ in response.context["rows"]}
    assert flags == {f"i{cheap.pk}": False, f"i{dear.pk}": True}
    assert response.context["below_count"] == 1
    page = text(response)
    row = page.split(f'data-key="i{dear.pk}"')[1].split("</tr>")[0]
    assert "bo-below" in page.split(f'data-key="i{dear.pk}"')[0][-80:]
    assert "Price above the 1,000.00 USD cap: no allowed max price can buy it" in row
    assert "9,120.00 USD" in row
    warning = page.split('id="bo-below-warning"')[1].split("</div>")[0]
    assert "hidden" not in warning[:20] and "skins_not_found_at_specified_price" in warning
    assert 'name="acknowledge"' in warning
    assert response.context["leave_out_url"].endswith(f"?steam_user={user.pk}&items={cheap.pk}")
    # no allowed max price buys it: the line and the warning say so and offer leaving it out
    assert "no allowed max price buys them" in warning and "refused for certain" in warning
    assert 'class="bo-leave-one"' in row and f"items={cheap.pk}" in row


def test_the_page_shows_the_expected_spend_the_tolerance_and_the_balance_after(
    operator_client, fake_provider, settings
):
    settings.BUY_PRICE_TOLERANCE = "0.10"
    fake_provider.balance_amount = Decimal("100.00")
    items = [make_item(price=Decimal("10.00")), make_item(price=Decimal("2.50"))]
    response = open_confirm(operator_client, make_user(), items)
    assert response.context["expected"] == Decimal("12.50")
    assert response.context["total"] == Decimal("13.75")  # the default max prices: +10 %
    assert response.context["balance_after"] == Decimal("87.50")
    page = text(response)
    assert "the price plus 10 %" in page and 'id="bo-expected">12.50 USD' in page
    assert 'id="bo-balance-after">87.50 USD' in page


def test_nothing_flagged_hides_the_warning(operator_client, fake_provider):
    response = open_confirm(operator_client, make_user(), [make_item(price=Decimal("10.00"))])
    assert response.context["below_count"] == 0
    assert 'id="bo-below-warning" hidden' in text(response)


def test_post_without_acknowledgement_is_refused_with_the_reason(
    operator_client, fake_provider, enqueue, django_capture_on_commit_callbacks
):
    cheap, dear = make_item(price=Decimal("10.00")), make_item(name="AWP | Dragon Lore", price=DRAGON_LORE)
    data = form_data(open_confirm(operator_client, make_user(), [cheap, dear]))
    assert "acknowledge" not in data or data["acknowledge"] in ("", "False")
    data.pop("acknowledge", None)  # an unticked checkbox is not sent
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = operator_client.post(CONFIRM_URL, data)
    assert response.status_code == 200
    assert Purchase.objects.count() == 0 and callbacks == [] and not enqueue.called
    problems = " ".join(response.context["problems"])
    assert "AWP | Dragon Lore: the max price 1,000.00 USD is below the current price 9,120.00 USD" in problems
    assert "above the cap of 1,000.00 USD per item" in problems
    assert "skins_not_found_at_specified_price" in problems and "Send anyway" in problems
    assert "no allowed max price buys it. Leave the line out" in problems
    assert "Raise the max price" not in problems  # it cannot help a line above the cap
    assert cheap.name not in problems
    assert response.context["below_count"] == 1  # the page shown again still flags the line
    assert response.context["form"]["batch_id"].value() == data["batch_id"]


def test_acknowledged_lines_are_sent_as_they_are(operator_client, fake_provider, enqueue):
    dear = make_item(name="AWP | Dragon Lore", price=DRAGON_LORE)
    data = form_data(open_confirm(operator_client, make_user(), [dear]), acknowledge="on")
    response = operator_client.post(CONFIRM_URL, data)
    assert response.status_code == 302
    (purchase,) = Purchase.objects.all()
    assert purchase.max_price == Decimal("1000.00") and purchase.item == dear


def test_a_max_price_edited_below_the_price_is_refused_too(operator_client, fake_provider, enqueue):
    item = make_item(price=Decimal("10.00"))
    page = open_confirm(operator_client, make_user(), [item])
    refused = operator_client.post(CONFIRM_URL, form_data(page, **{f"max_i{item.pk}": "9.99"}))
    assert refused.status_code == 200 and Purchase.objects.count() == 0
    assert "the max price 9.99 USD is below the current price 10.00 USD" in text(refused)
    at_price = operator_client.post(CONFIRM_URL, form_data(page, **{f"max_i{item.pk}": "10.00"}))
    assert at_price.status_code == 302 and Purchase.objects.get().max_price == Decimal("10.00")


def test_unknown_price_is_never_flagged(operator_client, fake_provider, enqueue):
    item = make_item(price=None)
    page = open_confirm(operator_client, make_user(), [item])
    assert page.context["below_count"] == 0
    response = operator_client.post(CONFIRM_URL, form_data(page, **{f"max_i{item.pk}": "1.00"}))
    assert response.status_code == 302
