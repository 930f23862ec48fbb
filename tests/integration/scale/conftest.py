"""Fixtures of the scale tests: a purchases table big enough for PostgreSQL's planner to prefer indexes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from purchases.models import Purchase
from tests.factories import make_user

from .helpers import ROWS, STATE_EVERY, analyze


def _state(i: int) -> str:
    """1 row in STATE_EVERY is open; 1 in 10 failed (a mid-sized state); the rest delivered."""
    if i % STATE_EVERY == 0:
        return "in_progress"
    return "failed" if i % 10 == 5 else "delivered"


@pytest.fixture
def many_purchases(db):
    """ROWS purchases with distinct ids, analyzed; the table statistics are reset afterwards.

    ANALYZE writes pg_class.reltuples in place, outside the test's transaction: left alone, later tests
    would see a 20,000-row estimate for a table their rollback emptied. ANALYZE after deleting the rows
    in the same transaction sets it back to 0 (no estimate), and that survives the rollback.
    """
    user = make_user()
    Purchase.objects.bulk_create(
        (
            Purchase(
                provider="skinsback",
                steam_user=user,
                item_name=f"Item {i}",
                max_price=Decimal("5.00"),
                state=_state(i),
                buy_id=str(130_000_000 + i),
                trade_offer_id=str(6_000_000_000 + i),
            )
            for i in range(ROWS)
        ),
        batch_size=2000,
    )
    analyze()
    yield user
    # plain DELETE: the ORM's would collect 20,000 rows first; the test's rollback undoes it anyway.
    # Its deferred foreign-key checks run now, while the statistics still make them index lookups.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM purchases_purchase")
    connection.check_constraints()
    analyze()
