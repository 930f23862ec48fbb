"""The sync's one-statement compare-and-set: what won is written whole, what lost the race is left alone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from purchases import state_counts
from purchases.models import Purchase
from purchases.services.apply import Change
from purchases.services.guarded_update import guarded_update
from tests.factories import make_purchase

pytestmark = pytest.mark.django_db


def test_each_change_is_a_compare_and_set_with_its_own_fields():
    now = timezone.now()
    moved = make_purchase(state="in_progress", provider_status="waiting_accept")
    stamped = make_purchase(state="in_progress", provider_status="waiting_accept", trade_offer_id="7")
    raced = make_purchase(state="in_progress", provider_status="waiting_accept")
    hold = now + timedelta(days=7)
    changes = [
        Change(
            moved,
            {"state": "on_hold", "provider_status": "accepted", "hold_until": hold, "price": Decimal("1.05")},
        ),
        Change(stamped, {"raw": {"status": "waiting_accept", "n": [1]}, "trade_offer_id": None}),
        Change(raced, {"state": "delivered", "provider_status": "accepted"}),
    ]
    Purchase.objects.filter(pk=raced.pk).update(state="failed", provider_status="canceled")  # a callback won
    assert guarded_update(changes, now) == {moved.pk, stamped.pk}
    moved.refresh_from_db()
    stamped.refresh_from_db()
    raced.refresh_from_db()
    assert (moved.state, moved.provider_status, moved.hold_until, moved.price) == (
        "on_hold",
        "accepted",
        hold,
        Decimal("1.05"),
    )
    assert (moved.trade_offer_id, moved.updated_at) == (None, now)
    assert stamped.state == "in_progress" and stamped.raw == {"status": "waiting_accept", "n": [1]}
    assert stamped.trade_offer_id is None
    assert (raced.state, raced.provider_status) == ("failed", "canceled")
    assert state_counts.by_state() == {"on_hold": 1, "in_progress": 1, "failed": 1}


def test_nothing_to_write():
    assert guarded_update([], timezone.now()) == set()


def test_the_stamp_reaches_every_purchase_asked_about_even_one_that_lost_the_race():
    now = timezone.now()
    changed = make_purchase(state="in_progress", provider_status="waiting_accept")
    quiet = make_purchase(state="in_progress", provider_status="waiting_accept")
    raced = make_purchase(state="in_progress", provider_status="waiting_accept")
    Purchase.objects.filter(pk=raced.pk).update(state="failed", provider_status="canceled")
    changes = [
        Change(changed, {"provider_status": "accepted", "state": "on_hold"}),
        Change(raced, {"provider_status": "accepted", "state": "on_hold"}),
    ]
    assert guarded_update(changes, now, stamp_ids=[changed.pk, quiet.pk, raced.pk]) == {changed.pk}
    rows = {p.pk: p for p in Purchase.objects.all()}
    assert {pk: p.last_synced_at for pk, p in rows.items()} == dict.fromkeys(rows, now)
    assert rows[quiet.pk].state == "in_progress" and rows[raced.pk].state == "failed"
    assert rows[changed.pk].state == "on_hold"


def test_the_write_can_end_the_callers_lease_and_only_its_own():
    import uuid

    now = timezone.now()
    ours, theirs = uuid.uuid4(), uuid.uuid4()
    mine = make_purchase(state="in_progress", provider_status="waiting_accept")
    other = make_purchase(state="in_progress", provider_status="waiting_accept")
    Purchase.objects.filter(pk=mine.pk).update(claim_token=ours, claimed_until=now)
    Purchase.objects.filter(pk=other.pk).update(claim_token=theirs, claimed_until=now)
    changes = [Change(mine, {"provider_status": "accepted"}), Change(other, {"provider_status": "accepted"})]
    assert guarded_update(changes, now, stamp_ids=[mine.pk, other.pk], release_claim=ours) == {
        mine.pk,
        other.pk,
    }
    claims = dict(Purchase.objects.values_list("pk", "claim_token"))
    if connection.vendor == "postgresql":
        assert claims == {mine.pk: None, other.pk: theirs}
    else:  # elsewhere the caller's release() ends it
        assert claims == {mine.pk: ours, other.pk: theirs}
