"""The purchase list filtered to one batch: only its purchases, and it updates itself while they move."""

import uuid

import pytest

from tests.factories import make_purchase, make_user

from .helpers import PURCHASES_URL, text

pytestmark = pytest.mark.django_db
# the live update (static/backoffice/batch_live.js) runs while the summary says data-refresh="1"
REFRESH = 'data-refresh="1"'


def batch(states: list[str]) -> uuid.UUID:
    batch_id, user = uuid.uuid4(), make_user()
    for n, state in enumerate(states):
        make_purchase(steam_user=user, state=state, batch_id=batch_id, batch_line=n)
    return batch_id


def test_batch_filter_shows_only_that_batch(operator_client):
    wanted = batch(["pending", "in_progress"])
    batch(["pending"])
    make_purchase()
    response = operator_client.get(PURCHASES_URL, {"batch_id": str(wanted)})
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 2 and {p.batch_id for p in rows} == {wanted}
    assert str(wanted) in text(response)


@pytest.mark.parametrize("moving", ["pending", "unconfirmed", "in_progress"])
def test_batch_list_reloads_while_anything_moves(operator_client, moving):
    batch_id = batch(["delivered", moving])
    response = operator_client.get(PURCHASES_URL, {"batch_id": str(batch_id)})
    assert REFRESH in text(response)
    assert "update in place every 3 seconds" in text(response)


def test_batch_list_stops_reloading_when_settled(operator_client):
    batch_id = batch(["delivered", "failed", "on_hold", "rejected"])
    response = operator_client.get(PURCHASES_URL, {"batch_id": str(batch_id)})
    assert REFRESH not in text(response)
    assert "1 delivered" in text(response) and "1 on hold" in text(response)


def test_unfiltered_list_never_reloads(operator_client):
    batch(["pending"])
    response = operator_client.get(PURCHASES_URL)
    assert REFRESH not in text(response)


def test_bad_batch_id_shows_nothing(operator_client):
    batch(["pending"])
    response = operator_client.get(PURCHASES_URL, {"batch_id": "not-a-uuid"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
