"""Bad input gets a clear message, and nothing is created, enqueued or sent."""

from decimal import Decimal

import pytest

from purchases.models import Purchase
from tests.factories import make_item, make_user

from .helpers import CONFIRM_URL, form_data, open_confirm, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(operator_client, fake_provider, enqueue, no_http, django_capture_on_commit_callbacks):
    """POST `data`, check that nothing happened, return the page."""

    def post(data: dict):
        fake_provider.reset()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = operator_client.post(CONFIRM_URL, data)
        assert response.status_code == 200
        assert Purchase.objects.count() == 0
        assert callbacks == [] and not enqueue.called
        assert fake_provider.reads == [] and not no_http.calls
        assert 'id="bo-problems"' in text(response)
        return response

    return post


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "The max price must be a number, like 12.50."),
        ("", "This field is required."),
        ("0", "The max price must be greater than zero."),
        ("-3", "The max price must be greater than zero."),
        ("1.234", "The max price has at most two decimals (cents)."),
        ("NaN", "The max price must be a number, like 12.50."),
        ("1000.01", "The max price 1,000.01 USD is above the cap of 1,000.00 USD per item."),
    ],
)
def test_bad_max_price_is_refused(operator_client, refused, value, message):
    item = make_item()
    page = open_confirm(operator_client, make_user(), [item])
    response = refused(form_data(page, **{f"max_i{item.pk}": value}))
    assert message in text(response)
    assert response.context["form"].errors[f"max_i{item.pk}"] == [message]


def test_cap_comes_from_settings(operator_client, refused, settings):
    settings.BUY_MAX_PRICE_PER_ITEM = "50.00"
    item = make_item(price=Decimal("10.00"))
    page = open_confirm(operator_client, make_user(), [item])
    assert "at most 50.00 USD" in text(page)
    response = refused(form_data(page, **{f"max_i{item.pk}": "50.01"}))
    assert "above the cap of 50.00 USD" in text(response)


def test_default_max_price_never_above_the_cap(operator_client, fake_provider, settings):
    settings.BUY_MAX_PRICE_PER_ITEM = "20.00"
    item = make_item(price=Decimal("19.50"))
    form = open_confirm(operator_client, make_user(), [item]).context["form"]
    assert form[f"max_i{item.pk}"].value() == Decimal("20.00")


def test_no_selection_is_refused(operator_client, refused):
    page = open_confirm(operator_client, make_user(), [])
    assert page.context["can_confirm"] is False
    assert 'id="bo-nothing"' in text(page)
    response = refused(form_data(page))
    assert "Select at least one item to buy." in text(response)


def test_user_without_trade_url_cannot_confirm(operator_client, refused):
    user = make_user(trade_url="")
    item = make_item()
    page = open_confirm(operator_client, user, [item])
    assert 'id="bo-trade-url-warning"' in text(page)
    assert page.context["can_confirm"] is False
    assert "disabled" in text(page).split('id="bo-confirm-button"')[1][:80]
    response = refused(form_data(page))
    assert "has no valid trade URL" in text(response)


def test_user_with_invalid_trade_url_cannot_confirm(operator_client, refused):
    user = make_user(trade_url="https://example.com/tradeoffer/new/?partner=1&token=abcdefgh")
    page = open_confirm(operator_client, user, [make_item()])
    assert page.context["can_confirm"] is False
    assert "has no valid trade URL" in text(refused(form_data(page)))


def test_a_crafted_post_buys_only_the_lines_the_page_computed(operator_client, fake_provider, enqueue):
    """Defect 4 of issue 18: lines added to the POST (here another provider's item) are not bought."""
    ours, theirs = make_item(), make_item(provider="skinify", name="Skinify Skin")
    page = open_confirm(operator_client, make_user(), [ours])
    data = form_data(page, lines=f"i{ours.pk},i{theirs.pk}", **{f"max_i{theirs.pk}": "5.00"})
    response = operator_client.post(CONFIRM_URL, data)
    assert response.status_code == 302
    assert [(p.item, p.provider) for p in Purchase.objects.all()] == [(ours, "skinsback")]


def test_a_post_without_the_signed_plan_buys_nothing(operator_client, refused):
    item = make_item()
    page = open_confirm(operator_client, make_user(), [item])
    response = refused(form_data(page, plan=""))
    assert "This confirmation was not made by this server" in text(response)
    forged = form_data(page, plan=form_data(page)["plan"][:-3] + "abc")
    assert "not made by this server" in text(refused(forged))


def test_a_signed_plan_of_another_page_buys_nothing(operator_client, refused):
    item = make_item()
    first = open_confirm(operator_client, make_user(), [item])
    second = open_confirm(operator_client, make_user(), [item])
    response = refused(form_data(first, plan=form_data(second)["plan"]))
    assert "does not match the page it came from" in text(response)


def test_item_unavailable_since_the_page_was_shown_is_refused(operator_client, refused):
    item = make_item(name="Gone Skin")
    page = open_confirm(operator_client, make_user(), [item])
    item.available = False
    item.save()
    response = refused(form_data(page))
    assert "Gone Skin: unavailable: the provider lists it as not on sale" in text(response)
    assert response.context["plan"].lines == []
    assert response.context["can_confirm"] is False


def test_an_item_removed_since_the_page_was_shown_is_refused(operator_client, refused):
    item, other = make_item(), make_item(name="Other Skin")
    page = open_confirm(operator_client, make_user(), [item, other])
    other.delete()
    assert "not found" in text(refused(form_data(page)))


def test_missing_batch_id_is_refused(operator_client, refused):
    item = make_item()
    page = open_confirm(operator_client, make_user(), [item])
    response = refused(form_data(page, batch_id="not-a-uuid"))
    assert response.context["form"].errors


def test_post_without_csrf_token_is_refused(operator, fake_provider, enqueue):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    item = make_item()
    page = open_confirm(client, make_user(), [item])
    data = form_data(page)
    assert client.post(CONFIRM_URL, data).status_code == 403
    assert Purchase.objects.count() == 0


def test_garbage_steam_user_is_a_404_not_a_500(operator_client, fake_provider, enqueue):
    item = make_item()
    page = open_confirm(operator_client, make_user(), [item])
    response = operator_client.post(CONFIRM_URL, form_data(page, steam_user="abc"))
    assert response.status_code == 404
    assert Purchase.objects.count() == 0
