"""The state table in purchases/status.py is the one home of every fact about a state."""

import re
from pathlib import Path

import pytest

from purchases.status import FINAL_RANK, STATE_RANK, STATES, State

CSS = Path(__file__).resolve().parents[2] / "static" / "backoffice" / "backoffice.css"


def css_classes() -> set[str]:
    return set(re.findall(r"\.([A-Za-z_][\w-]*)", CSS.read_text()))


def test_the_table_covers_every_state():
    assert set(STATES) == set(State)


@pytest.mark.parametrize("state", list(State))
def test_every_badge_style_is_defined_in_the_css(state):
    style = STATES[state].badge_style
    assert style in css_classes()
    # the templates build the class from the state's value
    assert style == f"bo-state-{state.value}"


@pytest.mark.parametrize("state", list(State))
def test_a_state_is_open_final_or_pending_and_final_states_rank_last(state):
    info = STATES[state]
    assert not (info.open and info.final)
    assert info.open or info.final or state in (State.PENDING, State.AWAITING_APPROVAL)
    assert (STATE_RANK[state] == FINAL_RANK) == info.final
    assert info.badge_title
