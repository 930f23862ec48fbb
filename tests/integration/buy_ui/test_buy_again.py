""" "Buy again": failed or rejected purchases only, each as a new purchase with a new custom_id."""

from decimal import Decimal

import pytest

from purchases.models import Purchase
from tests.factories import make_item, make_purchase, make_user

from .helpers import CONFIRM_URL, PURCHASES_URL, form_data, text

pytestmark = pytest.mark.django_db


def run_action(client, purchases, **kwargs):
    data = {"action": "buy_again", "_selected_action": [p.pk for p in purchases]}
    return client.post(PURCHASES_URL, data, **kwargs)


@pytest.mark.parametrize("state", ["failed", "rejected"])
def test_buy_again_makes_a_new_purchase_that_replaces_the_old(operator_client, fake_provider, enqueue, state):
    user = make_user()
    item = make_item(price=Decimal("4.00"))
    old = make_purchase(steam_user=user, item=item, state=state, max_price=Decimal("4.40"))
    fake_provider.purchases_say("canceled")  # the provider confirms the failure (Buy again asks first)
    response = run_action(operator_client, [old])
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM_URL}?steam_user={user.pk}&replaces={old.pk}"
    page = operator_client.get(response["Location"])
    (line,) = page.context["plan"].lines
    assert (line.replaces, line.item, line.default_max) == (old, item, Decimal("4.40"))
    assert f"replaces {old.custom_id}" in text(page)
    operator_client.post(CONFIRM_URL, form_data(page))
    new = Purchase.objects.exclude(pk=old.pk).get()
    assert new.replaces == old and new.custom_id != old.custom_id
    assert (new.state, new.item, new.steam_user) == ("pending", item, user)


def test_buy_again_of_a_purchase_bought_by_name(operator_client, fake_provider, enqueue):
    old = make_purchase(
        state="failed",
        item=None,
        item_name="M4A4 | Howl (Field-Tested)",
        game="cs2",
        price=None,
        max_price=Decimal("900.00"),
    )
    fake_provider.purchases_say("canceled")
    page = operator_client.get(run_action(operator_client, [old])["Location"])
    (line,) = page.context["plan"].lines
    assert (line.item, line.name, line.default_max) == (None, "M4A4 | Howl (Field-Tested)", Decimal("900.00"))
    operator_client.post(CONFIRM_URL, form_data(page))
    new = Purchase.objects.get(replaces=old)
    assert (new.item_name, new.game, new.max_price) == (
        "M4A4 | Howl (Field-Tested)",
        "cs2",
        Decimal("900.00"),
    )


@pytest.mark.parametrize(
    "state", ["unconfirmed", "delivered", "pending", "in_progress", "on_hold", "reverted"]
)
def test_buy_again_refuses_other_states(operator_client, fake_provider, state):
    old = make_purchase(state=state)
    response = run_action(operator_client, [old], follow=True)
    assert response.redirect_chain[-1][0].startswith(PURCHASES_URL)
    page = text(response)
    assert f"Not bought again: {old.custom_id}." in page
    assert "never bought under a new one" in page
    assert Purchase.objects.count() == 1


def test_unconfirmed_line_posted_by_hand_is_not_bought(operator_client, fake_provider, enqueue):
    """Only what the page computed: a line added to the POST by hand is not in the signed plan."""
    failed = make_purchase(state="failed")
    fake_provider.purchases_say("canceled")
    page = operator_client.get(run_action(operator_client, [failed])["Location"])
    unconfirmed = make_purchase(steam_user=failed.steam_user, state="unconfirmed", item_name="AWP | Asiimov")
    data = form_data(page, lines=f"r{failed.pk},r{unconfirmed.pk}", **{f"max_r{unconfirmed.pk}": "5.00"})
    operator_client.post(CONFIRM_URL, data)
    assert not Purchase.objects.filter(replaces=unconfirmed).exists()
    assert Purchase.objects.filter(replaces=failed).count() == 1


def test_mixed_selection_buys_only_what_may_be_bought_again(operator_client, fake_provider):
    user = make_user()
    failed = make_purchase(steam_user=user, state="failed")
    unconfirmed = make_purchase(steam_user=user, state="unconfirmed")
    response = run_action(operator_client, [failed, unconfirmed], follow=True)
    assert [line.replaces for line in response.context["plan"].lines] == [failed]
    assert f"Not bought again: {unconfirmed.custom_id}." in text(response)


def test_buy_again_twice_is_refused(operator_client, fake_provider, enqueue):
    old = make_purchase(state="failed")
    again = make_purchase(steam_user=old.steam_user, state="pending", replaces=old)
    response = run_action(operator_client, [old], follow=True)
    assert f"Already bought again: {old.custom_id} (as {again.custom_id})." in text(response)
    assert Purchase.objects.count() == 2
    page = operator_client.get(CONFIRM_URL, {"steam_user": old.steam_user_id, "replaces": old.pk})
    assert page.context["plan"].lines == []
    assert f"already bought again as {again.custom_id}" in text(page)


def test_buy_again_for_two_users_is_refused(operator_client, fake_provider):
    first, second = make_purchase(state="failed"), make_purchase(state="rejected")
    response = run_action(operator_client, [first, second], follow=True)
    assert "one Steam user at a time; the selection has 2" in text(response)
