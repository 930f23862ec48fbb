"""Provider calls about given custom_ids or buy_ids, through an index on PostgreSQL.

`ProviderCall.subjects` holds the ids a request concerned, separated by spaces. On PostgreSQL a GIN index on
`string_to_array(subjects, ' ')` (migration 0007) answers "which calls name one of these ids" exactly, as
an index lookup (`fastupdate = off`: each call's few ids go straight into the index rather than a pending
list the planner would have to scan, so the index stays the cheap plan between vacuums); elsewhere
(SQLite: development and tests) a whole-word match over the column does.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.fields import ArrayField
from django.db import connections, models
from django.db.models import F, Func, Q, QuerySet, Value

INDEX_NAME = "providercall_subjects_gin"
INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON purchases_providercall "
    "USING gin (string_to_array(subjects, ' ')) WITH (fastupdate = off)"
)


def subject_array() -> Func:
    """The expression the GIN index is built on (the same text, so the planner matches it)."""
    return Func(
        F("subjects"), Value(" "), function="string_to_array", output_field=ArrayField(models.TextField())
    )


def calls_about(queryset: QuerySet, ids: Sequence[str]) -> QuerySet:
    """The calls of `queryset` whose subjects include any of `ids` (whole ids, never a substring)."""
    ids = [value for value in ids if value]
    if not ids:
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        return queryset.alias(subject_list=subject_array()).filter(subject_list__overlap=ids)
    query = Q()
    for value in ids:
        query |= (
            Q(subjects=value)
            | Q(subjects__startswith=f"{value} ")
            | Q(subjects__endswith=f" {value}")
            | Q(subjects__contains=f" {value} ")
        )
    return queryset.filter(query)
