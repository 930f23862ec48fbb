from datetime import UTC, datetime, timedelta

import pytest

from purchases.providers import status_map
from purchases.status import FINAL_STATES, OPEN_STATES, State, normalize

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# every offer_status of the SkinsBack pages (market_getinfo, market_batch_buy) and its meaning
SKINSBACK_DOCUMENTED = {
    "creating_trade": State.IN_PROGRESS,
    "waiting_accept": State.IN_PROGRESS,
    "accepted": State.DELIVERED,
    "canceled": State.FAILED,
    "timeout": State.FAILED,
    "invalid_trade_token": State.FAILED,
    "user_not_tradable": State.FAILED,
    "trade_create_error": State.FAILED,
    "rollback_user": State.REVERTED,
    "rollback_supplier": State.REVERTED,
}
# all 13 purchase_status values of Skinify's withdraw/info page
SKINIFY_DOCUMENTED = {
    "processing": State.IN_PROGRESS,
    "waiting_accept": State.IN_PROGRESS,
    "accepted": State.DELIVERED,
    "canceled": State.FAILED,
    "timeout": State.FAILED,
    "error_invalid_token": State.FAILED,
    "error_user_not_tradable": State.FAILED,
    "error_create_failed": State.FAILED,
    "rollback_user": State.REVERTED,
    "rollback_provider": State.REVERTED,
    "reserved": State.IN_PROGRESS,
    "reservation_canceled": State.FAILED,
    "error_item_unavailable": State.FAILED,
}

SB, SF = status_map("skinsback"), status_map("skinify")


@pytest.mark.parametrize(
    ("provider", "status", "expected"),
    [("skinsback", s, e) for s, e in SKINSBACK_DOCUMENTED.items()]
    + [("skinify", s, e) for s, e in SKINIFY_DOCUMENTED.items()],
)
def test_every_documented_status_maps_to_a_known_state(provider, status, expected):
    result = normalize(status_map(provider), status, now=NOW)
    assert result.known
    assert result.state == expected


@pytest.mark.parametrize("provider", ["skinsback", "skinify"])
def test_unknown_status_stays_open_and_is_flagged(provider):
    result = normalize(status_map(provider), "teleported_to_mars", now=NOW)
    assert result.state == State.IN_PROGRESS
    assert not result.known


def test_accepted_inside_hold_is_on_hold_until_hold_ends():
    assert normalize(SB, "accepted", in_hold=True, now=NOW).state == State.ON_HOLD
    future = NOW + timedelta(days=7)
    assert normalize(SB, "accepted", in_hold=True, hold_until=future, now=NOW).state == State.ON_HOLD
    assert normalize(SF, "accepted", hold_until=future, now=NOW).state == State.ON_HOLD
    past = NOW - timedelta(seconds=1)
    assert normalize(SB, "accepted", in_hold=False, hold_until=past, now=NOW).state == State.DELIVERED
    assert normalize(SB, "accepted", in_hold=False, now=NOW).state == State.DELIVERED


def test_in_hold_true_wins_over_a_hold_end_in_the_past():
    """Issue 11 case 4: while the provider says the skin is in hold it is on_hold, whatever the date says
    (the date carries no zone and may be read hours off)."""
    past = NOW - timedelta(hours=5)
    assert normalize(SB, "accepted", in_hold=True, hold_until=past, now=NOW).state == State.ON_HOLD


def test_status_words_are_matched_case_and_space_insensitively():
    assert normalize(SB, " Accepted ", now=NOW).state == State.DELIVERED


def test_open_and_final_states_partition_the_bought_states():
    assert OPEN_STATES.isdisjoint(FINAL_STATES)
    assert set(State) - OPEN_STATES - FINAL_STATES == {State.PENDING, State.AWAITING_APPROVAL}


def test_what_may_cost_money_is_what_the_payout_controls_count():
    from purchases.status import COST_STATES

    assert {
        State.PENDING,
        State.UNCONFIRMED,
        State.AWAITING_APPROVAL,
        State.IN_PROGRESS,
        State.ON_HOLD,
        State.DELIVERED,
    } == COST_STATES
