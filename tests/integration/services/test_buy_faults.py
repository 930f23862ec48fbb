"""Exactly one provider buy per custom_id, whatever goes wrong (DESIGN section 4)."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from purchases.models import Purchase, PurchaseEvent
from purchases.services import BuyLine, purchases_create, purchases_send, purchases_sync
from purchases.status import State
from tests.factories import make_user

from .helpers import buy, buys_per_custom_id, sandbox_items, states

pytestmark = pytest.mark.django_db(transaction=True)


def send_all(purchases):
    purchases_send(purchase_ids=[p.pk for p in purchases])


def age(purchases, minutes=11):
    Purchase.objects.filter(pk__in=[p.pk for p in purchases]).update(
        sent_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_happy_batch_buys_each_custom_id_once(sandbox):
    purchases = buy(make_user(), sandbox_items(sandbox, 3))  # sync mode: the task ran on commit
    assert states(purchases) == [State.IN_PROGRESS] * 3
    assert buys_per_custom_id(sandbox, purchases) == [1, 1, 1]
    assert sandbox.state.requests["market_batch_buy"] == 1
    bought = Purchase.objects.filter(pk__in=[p.pk for p in purchases])
    assert all(p.buy_id and p.price and p.balance_debited for p in bought)
    sources = set(PurchaseEvent.objects.filter(purchase__in=bought).values_list("new_state", flat=True))
    assert sources == {State.PENDING, State.UNCONFIRMED, State.IN_PROGRESS}


def test_timeout_after_record_becomes_unconfirmed_then_resolved_by_lookup(sandbox, settings):
    settings.PROVIDER_READ_TIMEOUT = 0.5
    sandbox.state.inject("market_batch_buy", "timeout_after_record", times=1, latency=1.5)
    purchases = buy(make_user(), sandbox_items(sandbox, 2))
    assert states(purchases) == [State.IN_PROGRESS] * 2  # looked up by custom_id right away
    assert buys_per_custom_id(sandbox, purchases) == [1, 1]
    assert sandbox.state.requests["market_batch_buy"] == 1  # a buy is never retried


def test_lost_answer_and_failed_lookup_stays_unconfirmed_until_sync(sandbox, settings):
    settings.PROVIDER_READ_TIMEOUT = 0.5
    sandbox.state.inject("market_batch_buy", "timeout_after_record", times=1, latency=1.5)
    sandbox.state.inject("market_getinfo", "http_500", times=10)
    purchases = buy(make_user(), sandbox_items(sandbox, 2))
    assert states(purchases) == [State.UNCONFIRMED] * 2
    sandbox.state.clear_faults()
    report = purchases_sync()
    assert states(purchases) == [State.IN_PROGRESS] * 2
    assert report.refreshed == 2
    assert buys_per_custom_id(sandbox, purchases) == [1, 1]


@pytest.mark.parametrize("fault", ["http_500_after_record", "garbled", "garbled_html"])
def test_garbled_or_5xx_after_record_is_resolved_without_a_second_buy(sandbox, fault):
    sandbox.state.inject("market_batch_buy", fault, times=1)
    purchases = buy(make_user(), sandbox_items(sandbox, 2))
    assert states(purchases) == [State.IN_PROGRESS] * 2
    assert buys_per_custom_id(sandbox, purchases) == [1, 1]


def test_5xx_before_record_never_reached_the_provider_and_is_rejected_after_the_window(sandbox):
    sandbox.state.inject("market_batch_buy", "http_500", times=1)
    purchases = buy(make_user(), sandbox_items(sandbox, 2))
    assert states(purchases) == [State.UNCONFIRMED] * 2  # unknown: never rejected on a guess
    purchases_sync()
    assert states(purchases) == [State.UNCONFIRMED] * 2  # still inside the offer window
    age(purchases)
    purchases_sync()
    assert states(purchases) == [State.REJECTED] * 2
    assert set(
        Purchase.objects.filter(pk__in=[p.pk for p in purchases]).values_list("error_reason", flat=True)
    ) == {"never reached the provider"}
    assert buys_per_custom_id(sandbox, purchases) == [0, 0]


def test_duplicate_custom_id_is_looked_up_never_bought_anew(sandbox):
    user = make_user()
    purchases = buy(user, sandbox_items(sandbox, 1), enqueue=False)
    send_all(purchases)
    # a second request with the same custom_id, as after a crash between sending and saving
    Purchase.objects.filter(pk=purchases[0].pk).update(state=State.PENDING, buy_id=None)
    send_all(purchases)
    assert states(purchases) == [State.IN_PROGRESS]
    assert sandbox.state.buys_recorded[purchases[0].custom_id] == 1
    assert sandbox.state.buy_attempts[purchases[0].custom_id] == 2
    assert Purchase.objects.get(pk=purchases[0].pk).buy_id


def test_the_same_task_run_twice_sends_once(sandbox):
    purchases = buy(make_user(), sandbox_items(sandbox, 3), enqueue=False)
    send_all(purchases)
    send_all(purchases)
    assert sandbox.state.requests["market_batch_buy"] == 1
    assert buys_per_custom_id(sandbox, purchases) == [1, 1, 1]


def test_two_workers_at_once_send_each_custom_id_once(sandbox):
    # SQLite serialises the claims with its write lock; PostgreSQL re-checks the WHERE under row locks
    purchases = buy(make_user(), sandbox_items(sandbox, 6), enqueue=False)
    sandbox.state.inject("market_batch_buy", "latency", times=5, latency=0.3)
    errors = []

    def worker():
        try:
            send_all(purchases)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sandbox.state.requests["market_batch_buy"] == 1
    assert buys_per_custom_id(sandbox, purchases) == [1] * 6


def test_two_concurrent_confirmations_of_one_batch_create_it_once(sandbox):
    user, items = make_user(), sandbox_items(sandbox, 2)
    batch_id = uuid.uuid4()
    lines = [BuyLine(max_price=item.price * 2, item=item) for item in items]
    results, errors = [], []

    def confirm():
        try:
            results.append(
                purchases_create(
                    steam_user=user, provider="skinsback", lines=lines, actor=None, batch_id=batch_id
                )
            )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Purchase.objects.filter(batch_id=batch_id).count() == 2
    assert sum(r.created for r in results) == 1
    custom_ids = Purchase.objects.filter(batch_id=batch_id).values_list("custom_id", flat=True)
    assert [sandbox.state.buys_recorded[c] for c in custom_ids] == [1, 1]


def test_worker_killed_between_sending_and_saving(sandbox, monkeypatch):
    purchases = buy(make_user(), sandbox_items(sandbox, 2), enqueue=False)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("worker killed")

    monkeypatch.setattr("purchases.services.buy._apply_batch", crash)
    with pytest.raises(KeyboardInterrupt):
        send_all(purchases)
    monkeypatch.undo()
    assert states(purchases) == [State.UNCONFIRMED] * 2  # sent, outcome unknown
    send_all(purchases)  # the task delivered again: nothing pending, nothing sent
    purchases_sync()
    assert states(purchases) == [State.IN_PROGRESS] * 2
    assert buys_per_custom_id(sandbox, purchases) == [1, 1]
    assert not Purchase.objects.filter(state__in=[State.PENDING, State.UNCONFIRMED]).exists()


def test_unavailable_items_are_rejected_with_the_providers_reason(sandbox):
    items = sandbox_items(sandbox, 2)
    sold = items[1]
    sold.provider_item_id = str(int(sold.provider_item_id) + 10**6)  # not in the sandbox's catalog
    sold.save()
    purchases = buy(make_user(), items)
    assert states(purchases) == [State.IN_PROGRESS, State.REJECTED]
    rejected = Purchase.objects.get(pk=purchases[1].pk)
    assert rejected.error_code == "5"
    assert rejected.error_reason == "skin_unavailable"


def test_explicit_provider_refusal_rejects_the_whole_request(sandbox):
    sandbox.state.inject("market_batch_buy", "error_10", times=1)  # too_many_failed_attempts_for_user
    purchases = buy(make_user(), sandbox_items(sandbox, 2))
    assert states(purchases) == [State.REJECTED] * 2
    assert buys_per_custom_id(sandbox, purchases) == [0, 0]


def test_skinify_buys_one_request_per_item(sandbox):
    items = sandbox_items(sandbox, 2, provider="skinify", game="csgo")
    purchases = buy(make_user(), items, provider="skinify")
    assert states(purchases) == [State.IN_PROGRESS] * 2
    assert sandbox.state.requests["withdraw/buy"] == 2
