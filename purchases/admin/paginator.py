"""A paginator that does not count a million rows to draw the unfiltered admin list.

`SELECT COUNT(*)` over the whole purchases table reads every row (PostgreSQL keeps no row count), which
alone costs more than the page budget at 1,000,000 purchases. For an unfiltered queryset the planner's own
estimate (`pg_class.reltuples`, kept fresh by autovacuum's ANALYZE) is close enough to number the pages.
A purchase list filtered only by state and/or provider (`?state__exact=delivered`: 80 % of the rows) is
counted exactly from the per-state rollup (purchases/state_counts.py) instead of counting the rows.
Other filtered lists of a big PostgreSQL table are numbered by the planner's estimate of the filtered query
when it is above ESTIMATE_ABOVE (an EXPLAIN, nothing read); small results, small tables and other databases
keep the exact count.
"""

from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.db.models.lookups import Exact
from django.utils.functional import cached_property

#: below this many rows an exact count is cheap, and exact numbers are nicer to read
ESTIMATE_ABOVE = 10_000


class EstimatedCountPaginator(Paginator):
    """`count` is the planner's row estimate for an unfiltered queryset of a large PostgreSQL table."""

    #: True when `count` is the planner's estimate, not a count: the list says "about" (pagination.html)
    estimated = False

    @cached_property
    def count(self) -> int:
        rolled_up = rollup_count(self.object_list)
        if rolled_up is not None:
            return rolled_up
        estimate = estimated_count(self.object_list)
        if estimate is None:
            estimate = planned_count(self.object_list)
        if estimate is not None and estimate > ESTIMATE_ABOVE:
            self.estimated = True
            return estimate
        return super().count


def planned_count(queryset: object) -> int | None:
    """The planner's estimate of a filtered queryset's rows (EXPLAIN, no execution), on PostgreSQL.

    Above ESTIMATE_ABOVE it numbers the pages instead of an exact COUNT that would read every matching
    row (`?new_state__exact=delivered` on a million events); below it the exact count is cheap."""
    if not isinstance(queryset, QuerySet):
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or queryset.query.is_sliced or queryset.query.combinator:
        return None
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # `.none()`, an impossible filter: the exact count is 0 without a query
        return None
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


#: the columns the rollup counts by
ROLLUP_COLUMNS = {"state", "provider"}


def rollup_count(queryset: object) -> int | None:
    """The count of purchases filtered only by exact state and/or provider, from the rollup; else None."""
    from ..models import Purchase
    from ..state_counts import counts

    if not isinstance(queryset, QuerySet) or queryset.model is not Purchase:
        return None
    query = queryset.query
    if query.distinct or query.combinator or query.is_sliced or query.where.connector != "AND":
        return None
    if query.where.negated or not query.where.children:
        return None
    wanted: dict[str, str] = {}
    for lookup in query.where.children:
        column = _exact_column(lookup, query.base_table)
        if column not in ROLLUP_COLUMNS or column in wanted:
            return None
        wanted[column] = lookup.rhs
    return sum(
        n
        for (provider, state), n in counts(queryset.db).items()
        if wanted.get("state", state) == state and wanted.get("provider", provider) == provider
    )


def _exact_column(lookup: object, table: str | None) -> str | None:
    """The column of `<table>.<column> = '<string>'`, else None."""
    if not isinstance(lookup, Exact) or not isinstance(lookup.rhs, str):
        return None
    lhs = lookup.lhs
    if not isinstance(lhs, Col) or lhs.alias != table:
        return None
    return lhs.target.column


def estimated_count(queryset: object) -> int | None:
    """The planner's row estimate of the queryset's table, or None where it would not be its count."""
    if not isinstance(queryset, QuerySet) or not _counts_whole_table(queryset):
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    # reltuples is -1 (PostgreSQL 14+) or 0 for a table that was never analyzed
    return int(row[0]) if row and row[0] > 0 else None


def _counts_whole_table(queryset: QuerySet) -> bool:
    """No WHERE, no DISTINCT, no slice, no UNION: COUNT(*) of it is the table's row count."""
    query = queryset.query
    return not (query.where or query.distinct or query.combinator or query.is_sliced)
