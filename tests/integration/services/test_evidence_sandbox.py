"""Issue 11 through the sandbox over real HTTP: whatever shape the answer takes, exactly one provider buy
per custom_id, and no purchase the provider bought is shown rejected."""

from __future__ import annotations

import pytest

from purchases.services import purchases_sync
from purchases.status import State
from tests.factories import make_user

from .helpers import buy, buys_per_custom_id, sandbox_items, states

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "kind", ["cut_body_after_record", "error_no_code_after_record", "error_-9_after_record"]
)
def test_a_buy_answered_badly_after_it_was_carried_out_is_found_by_its_custom_id(sandbox, kind):
    sandbox.state.inject("market_batch_buy", kind, times=1)
    purchases = buy(make_user(), sandbox_items(sandbox, 2))
    assert buys_per_custom_id(sandbox, purchases) == [1, 1]
    assert states(purchases) == [State.IN_PROGRESS] * 2  # looked up by custom_id right away


def test_a_buy_cut_short_before_it_was_carried_out_stays_unconfirmed_never_rejected(sandbox):
    sandbox.state.inject("market_batch_buy", "cut_body", times=1)
    purchases = buy(make_user(), sandbox_items(sandbox, 2))
    assert buys_per_custom_id(sandbox, purchases) == [0, 0]
    assert states(purchases) == [State.UNCONFIRMED] * 2  # inside the offer window nothing is concluded


def test_answers_without_custom_id_echo_are_matched_by_skin_id(sandbox, settings):
    settings.PROVIDER_READ_TIMEOUT = 0.5
    sandbox.state.inject("market_batch_buy", "timeout_after_record", times=1, latency=1.0)
    sandbox.state.inject("market_getinfo", "no_custom_id_echo", times=5)
    purchases = buy(make_user(), sandbox_items(sandbox, 3))
    assert states(purchases) == [State.IN_PROGRESS] * 3  # the lookup by custom_id echoed none of them
    assert buys_per_custom_id(sandbox, purchases) == [1, 1, 1]


def test_a_batch_answer_without_echo_is_applied_and_the_sync_follows_by_buy_id(sandbox):
    sandbox.state.inject("market_batch_buy", "no_custom_id_echo", times=1)
    purchases = buy(make_user(), sandbox_items(sandbox, 2))
    assert states(purchases) == [State.IN_PROGRESS] * 2
    assert sandbox.state.requests["market_getinfo"] == 0  # matched by the keyed skin id, no lookup
    sandbox.state.inject("market_getinfo", "no_custom_id_echo", times=5)
    sandbox.state.advance(3600)
    report = purchases_sync()
    assert report.requests == 1 and len(report.not_found) == 0
    assert set(states(purchases)) <= {State.ON_HOLD, State.DELIVERED, State.FAILED, State.REVERTED}
