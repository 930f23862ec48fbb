"""Shared by the scale tests: the size of the big table, and the PostgreSQL-only marker."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

#: enough rows that a sequential scan costs far more than an index lookup; small enough to load in a second
ROWS = 20_000
#: one row in STATE_EVERY is open (in progress), as in production where most purchases are finished
STATE_EVERY = 100


def postgres_test(test: Callable) -> Callable:
    """Marks a test `postgres` and skips it unless the tests run on PostgreSQL."""
    skip = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL on PostgreSQL")
    return pytest.mark.postgres(skip(test))


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE purchases_purchase")
