"""Issue 18, defect 1 under real concurrency: the confirmation page opened in two tabs for the same Steam user
and skin, both submitted at the same moment, pays once. On PostgreSQL (`.ci/run` runs the suite again with
DATABASE_URL on it), each submit in its own thread with its own connection, committing for real
(transactional test): only the lock `purchases_create` takes (purchases/policy/locks.py) keeps the second
from reading "no earlier purchase" before the first has inserted its row.

The race is forced, not hoped for: both submits wait for each other right before the locked transaction
(a barrier), and the payout check of each is slowed down, so without the lock both would read an empty
table and both would insert."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connections

from purchases.models import Purchase, PurchaseEvent
from purchases.services import BuyError, BuyLine, purchases_create
from tests.conftest import client_for
from tests.factories import make_item, make_user
from tests.integration.scale.helpers import postgres_test

from .helpers import CONFIRM_URL, bought, form_data, open_confirm, unticked

pytestmark = pytest.mark.django_db(transaction=True)

SLOW_CHECK = 0.3  # seconds each payout check lingers after reading: time enough for the other to read too


@pytest.fixture
def racing(monkeypatch):
    """Two callers of purchases_create meet right before its transaction, and each one's payout decision
    lingers after reading the earlier purchases (as if the database were slow)."""
    import purchases.services.create as create

    race = Race()
    real_balance, real_decide = create.usd_balance, create.decide

    def usd_balance(code):
        balance = real_balance(code)
        if race.on:
            race.barrier.wait()
        return balance

    def decide(**kwargs):
        decision = real_decide(**kwargs)
        time.sleep(SLOW_CHECK)
        return decision

    monkeypatch.setattr(create, "usd_balance", usd_balance)
    monkeypatch.setattr(create, "decide", decide)
    return race


class Race:
    """`on`: the next two submits meet at the barrier (turn it off for a submit alone)."""

    def __init__(self) -> None:
        self.on = True
        self.barrier = threading.Barrier(2, timeout=10)


def in_threads(*jobs):
    """Run each job in its own thread (each with its own database connection); their results in order."""
    results: list = [None] * len(jobs)

    def run(n, job):
        try:
            results[n] = job()
        except BaseException as error:  # reported by the test, never lost in the thread
            results[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a submit is stuck"
    return results


@postgres_test
def test_two_tabs_submitted_at_the_same_moment_pay_once(operator, buys, clean_cache, racing):
    user, skin = make_user(), make_item(name="AK-47 | Redline (Field-Tested)", price=Decimal("40.00"))
    tab_one, tab_two = client_for(operator), client_for(operator)
    page_one, page_two = open_confirm(tab_one, user, [skin]), open_confirm(tab_two, user, [skin])
    one, two = unticked(form_data(page_one)), unticked(form_data(page_two))
    assert one["batch_id"] != two["batch_id"]

    responses = in_threads(lambda: tab_one.post(CONFIRM_URL, one), lambda: tab_two.post(CONFIRM_URL, two))

    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert sorted(r.status_code for r in responses) == [200, 302]  # one created, one shown again refused
    (first,) = Purchase.objects.all()
    refused = next(r for r in responses if r.status_code == 200)
    words = " ".join(refused.context["problems"])
    assert "this Steam user was already paid this skin" in words and first.custom_id in words
    assert bought(buys) == [first.custom_id]  # the one purchase was sent, once
    assert PurchaseEvent.objects.filter(new_state="pending").count() == 1

    # the tab that was refused goes through once "Pay again" is ticked
    racing.on = False
    again = unticked(form_data(refused, **{f"again_i{skin.pk}": "on"}))
    assert tab_two.post(CONFIRM_URL, again).status_code == 302
    assert Purchase.objects.count() == 2
    assert sorted(bought(buys)) == sorted(Purchase.objects.values_list("custom_id", flat=True))


@postgres_test
def test_two_service_calls_at_the_same_moment_create_one_purchase(
    operator, superuser, buys, clean_cache, racing
):
    """The same race one level down, as `buy_skins` and any later path meet it: purchases_create itself,
    by two different people (so only the Steam user's lock stands between them)."""
    user, skin = make_user(), make_item(price=Decimal("15.00"))

    def submit(actor):
        line = BuyLine(max_price=Decimal("16.50"), item=skin)
        batch = uuid.uuid4()
        return purchases_create(
            steam_user=user, provider="skinsback", lines=[line], actor=actor, batch_id=batch, enqueue=False
        )

    results = in_threads(lambda: submit(operator), lambda: submit(superuser))
    refusals = [r for r in results if isinstance(r, BuyError)]
    assert len(refusals) == 1, results
    created = [r for r in results if not isinstance(r, BaseException)]
    assert len(created) == 1 and created[0].created
    (only,) = Purchase.objects.all()
    assert only.pk == created[0].purchases[0].pk and only.custom_id in refusals[0].messages[0]
