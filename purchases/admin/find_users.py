"""The find box's Steam user lookup by name: exact or prefix, case-insensitive, bounded, never a scan.

Why a prefix and not "contains": a support agent is told a name ("Redline Rick") and types its start;
a prefix is a range of the `steamuser_lower_name_idx` index on LOWER(display_name) (purchases/models.py),
read in index order and cut after USER_LIMIT rows, so the cost does not grow with the number of users.
A "contains" match (`icontains`) cannot use any index and reads every row. The range is
[term, term with its last character bumped) in the index's own order; the prefix is then checked again
in Python, so a database collation that orders differently can only miss a name, never show a wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from ..models import SteamUser

USER_LIMIT = 10  # names shown; one more is read to know whether there are more
MIN_PREFIX = 2  # a single letter would match a page of everybody


@dataclass(frozen=True)
class UsersFound:
    term: str
    found: list[SteamUser] = field(default_factory=list)
    more: bool = False  # more than USER_LIMIT start so: type more of the name
    too_short: bool = False


def name_prefix_range(prefix: str) -> Q:
    """`lower_name` (annotated) in [prefix, prefix with its last character bumped): an index range."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(lower_name__gte=prefix, lower_name__lt=upper)


def with_name_starting(queryset: QuerySet, prefix: str, *, or_q: Q | None = None) -> QuerySet:
    """`queryset` cut to the names starting with the lowercase `prefix` (or matching `or_q`)."""
    condition = name_prefix_range(prefix) if or_q is None else name_prefix_range(prefix) | or_q
    return queryset.annotate(lower_name=Lower("display_name")).filter(condition)


def users_named(term: str) -> UsersFound:
    """The Steam users whose name is `term` or starts with it (case-insensitive), exact matches first."""
    wanted = term.strip().lower()
    if len(wanted) < MIN_PREFIX:
        return UsersFound(term, too_short=bool(wanted))
    rows = list(
        with_name_starting(SteamUser.objects.all(), wanted).order_by("lower_name", "pk")[: USER_LIMIT + 1]
    )
    rows = [user for user in rows if user.lower_name.startswith(wanted)]
    rows.sort(key=lambda user: user.lower_name != wanted)  # stable: the exact name first, then in order
    return UsersFound(term, found=rows[:USER_LIMIT], more=len(rows) > USER_LIMIT)
