"""The dashboard says what "not offered" means, and its chart axis uses the money format's digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from purchases.dashboard import _words
from purchases.templatetags.backoffice_tags import axis_amount

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


def test_skinify_has_no_status_endpoint_not_a_disabled_provider(support_c, sandbox):
    page = support_c.get(INDEX).content.decode()
    row = page[page.index('class="bo-provider-skinify"') :].split("</tr>")[0]
    assert "no status endpoint" in row and "disabled" not in row
    note = page[page.index('id="bo-status-note-skinify"') :].split("</p>")[0]
    assert "Skinify does not publish one" in note and "not an outage" in note
    assert "Its balance answered, so it is reachable." in note


def test_a_missing_balance_endpoint_is_named_too():
    words = _words({"name": "Skinify", "status": "up", "balance": None, "balance_problem": "not offered"})
    assert words["balance_problem"] == "no balance endpoint"
    assert "does not publish one" in words["balance_note"]


def test_no_words_added_when_everything_answers():
    assert _words({"name": "SkinsBack", "status": "up", "balance": Decimal("1"), "balance_problem": ""}) == {}


@pytest.mark.parametrize(
    ("amount", "label"),
    [(Decimal("10000"), "10,000"), (Decimal("5000"), "5,000"), (Decimal("2.5"), "2.50"), (Decimal("0"), "0")],
)
def test_axis_labels(amount, label):
    assert axis_amount(amount) == label
