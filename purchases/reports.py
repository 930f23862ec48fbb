"""Spend reports (issue 21): money spent per day or month, by provider, by operator or by Steam user, split
into what support is asked: delivered, on hold, on the way, failed (refund not known) and refunded.

A selector: `spend_report(query)` reads, the admin page (admin/reports.py) formats. Its cost does not grow
with the purchases table:

- per provider it reads the rollup only (purchases/state_counts.py: provider x state x day, with money);
- per operator or Steam user it reads the purchases created in the range through the created_at index,
  twice (the top N, then the lines of the top N and of everyone else as "Others"), refused when the
  rollup says the range holds more than ROW_CAP;
- the refunds of purchases created in the range (a small table) move money into "refunded".

The split and its words are spend.py's (delivered, on hold, on the way, failed (refund not known),
refunded): money is what left the balance, the debit, else the price (as the rollup counts it), in the
states that spend (SPENT_STATES); a refund is taken from the part of its purchase's state. Every figure is
USD, the one currency of the providers. Days are UTC days, as the rollup's.

What best price and failover saved (issue 22, purchases/savings.py) is read per line from the routed
purchases created in the range (one GROUP BY through the partial index purchase_routed_idx), for the same
purchases the line counts (those whose money left the balance): `saved` sums their route_saving (the next
best quote minus the chosen one, net of dearer choices by an operator), `failovers` counts the replacements
bought at a second provider after a refusal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, DateField, DecimalField, F, IntegerField, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from .models import ProviderCode, Purchase, Refund, StateCount, SteamUser
from .savings import by_bucket
from .spend import DEBIT, PART_OF_STATE, PART_TITLES, Part
from .status import SPENT_STATES

PERIODS = {"day": "Per day", "month": "Per month"}
GROUPINGS = {"provider": "Provider", "operator": "Operator", "steam_user": "Steam user"}
#: (part, column header, title) in the order of the table's columns: the split's own words (spend.py)
CATEGORIES: list[tuple[str, str, str]] = [
    (str(part), part.label.split(" (")[0].capitalize(), PART_TITLES[part]) for part in Part
]
#: the longest range a page covers: a line per day for 3 months, per month for 2 years
MAX_DAYS = {"day": 92, "month": 731}
DEFAULT_DAYS = 30
TOP_CHOICES = (5, 10, 20, 50)
#: purchases in the range above which "by operator / Steam user" is refused (the rollup says how many)
ROW_CAP = 100_000
OTHERS = "others"
NOBODY = ""
#: the detail query's keys for "others" and for purchases of no operator (ids are positive)
OTHERS_ID, NOBODY_ID = -1, 0
MONEY = Coalesce(DEBIT, Value(Decimal(0)), output_field=DecimalField())


@dataclass(frozen=True)
class ReportQuery:
    first: date
    last: date
    period: str = "day"
    group: str = "provider"
    top: int = 10


@dataclass
class Figures:
    """Purchases and money per category of one line (or a bucket, or the whole report)."""

    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=lambda: {key: Decimal(0) for key, _, _ in CATEGORIES})
    #: what best-price routing saved on these purchases, and how many were failovers that were bought
    saved: Decimal = Decimal(0)
    failovers: int = 0

    @property
    def spent(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))

    def add(self, other: Figures) -> None:
        self.count += other.count
        self.saved += other.saved
        self.failovers += other.failovers
        for key, amount in other.amounts.items():
            self.amounts[key] += amount

    def add_state(self, state: str, n: int, money: Decimal) -> None:
        self.count += n
        self.amounts[PART_OF_STATE[state]] += money

    @property
    def empty(self) -> bool:
        return not self.count and not any(self.amounts.values())


@dataclass
class Line:
    bucket: date
    key: str  # a provider code, a user id, a Steam user id, NOBODY, or OTHERS
    label: str
    figures: Figures = field(default_factory=Figures)
    #: what the purchase list's search box finds this line's purchases by (a Steam id), if anything
    search: str = ""


@dataclass
class SpendReport:
    query: ReportQuery
    lines: list[Line] = field(default_factory=list)
    buckets: dict[date, Figures] = field(default_factory=dict)
    total: Figures = field(default_factory=Figures)
    #: why the report was not drawn ("" when it was)
    refused: str = ""


def default_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def bucket_of(day: date, period: str) -> date:
    return day.replace(day=1) if period == "month" else day


def buckets_between(first: date, last: date, period: str) -> list[date]:
    """Every day (or first of a month) of the range, empty ones included: the chart's x axis."""
    out, day = [], bucket_of(first, period)
    while day <= last:
        out.append(day)
        day = next_bucket(day, period)
    return out


def next_bucket(bucket: date, period: str) -> date:
    """The first day after the bucket: the next day, or the first of the next month."""
    if period == "month":
        return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)
    return bucket + timedelta(days=1)


def _bounds(query: ReportQuery) -> tuple[datetime, datetime]:
    start = datetime.combine(query.first, time.min, tzinfo=UTC)
    return start, datetime.combine(query.last + timedelta(days=1), time.min, tzinfo=UTC)


def spend_report(query: ReportQuery) -> SpendReport:
    report = SpendReport(query)
    rollup, in_range = _rollup(query)
    if query.group == "provider":
        lines = _provider_lines(rollup)
    elif in_range > ROW_CAP:
        report.refused = (
            f"{in_range:,} purchases were created in this range, more than the {ROW_CAP:,} a report by "
            f"{GROUPINGS[query.group].lower()} reads: choose a shorter range (per provider has no limit)."
        )
        return report
    else:
        lines = _top_lines(query)
    _apply_refunds(query, lines)
    _apply_savings(query, lines)
    report.lines = sorted(lines.values(), key=_line_order)
    for bucket in buckets_between(query.first, query.last, query.period):
        report.buckets[bucket] = Figures()
    for line in report.lines:
        report.buckets[line.bucket].add(line.figures)
        report.total.add(line.figures)
    return report


def _line_order(line: Line) -> tuple:
    return (line.bucket, line.key == OTHERS, -line.figures.spent, line.label)


# ------------------------------------------------------------------------------------------- reading

Rollup = dict[tuple[date, str], Figures]  # (bucket, provider) -> figures


def _rollup(query: ReportQuery) -> tuple[Rollup, int]:
    """The rollup over the range: figures per (bucket, provider) in spending states, and how many
    purchases (every state) were created in the range. One query over a few thousand rows."""
    rows = (
        StateCount.objects.filter(day__gte=query.first, day__lte=query.last)
        .values_list("day", "provider", "state")
        .annotate(n=Sum("n"), money=Sum("amount"))
        .order_by()
    )
    figures: Rollup = defaultdict(Figures)
    in_range = 0
    for day, provider, state, n, money in rows:
        in_range += n or 0
        if state in PART_OF_STATE and (n or money):
            day = day if isinstance(day, date) else date.fromisoformat(str(day))
            figures[(bucket_of(day, query.period), provider)].add_state(state, n, money or Decimal(0))
    return figures, in_range


def _provider_lines(rollup: Rollup) -> dict[tuple[date, str], Line]:
    return {
        (bucket, code): Line(bucket, code, _provider_label(code), figures)
        for (bucket, code), figures in rollup.items()
        if not figures.empty
    }


def _provider_label(code: str) -> str:
    return ProviderCode(code).label if code in ProviderCode.values else code


def _key_field(group: str) -> str:
    return "created_by_id" if group == "operator" else "steam_user_id"


def _in_range(query: ReportQuery):
    start, end = _bounds(query)
    return Purchase.objects.filter(created_at__gte=start, created_at__lt=end, state__in=list(SPENT_STATES))


def _top_lines(query: ReportQuery) -> dict[tuple[date, str], Line]:
    """The top N operators (or Steam users) by money spent in the range, a line per bucket each, and
    "Others" for everyone else, read through the created_at index. Operators are few: one aggregate by
    all of them, the top N picked here. Steam users are many: their top N first, then one aggregate."""
    column = _key_field(query.group)
    if query.group == "operator":
        rows = _detail_rows(query, column, None)
        top = _top_of(rows, query.top)
        rows = [(b, k if k in top else OTHERS_ID, state, n, money) for b, k, state, n, money in rows]
    else:
        top = list(
            _in_range(query)
            .values_list(column, flat=True)
            .annotate(spent=Sum(MONEY))
            .order_by("-spent", column)[: query.top]
        )
        rows = _detail_rows(query, column, top)
    labels = {**_labels(query.group, top), OTHERS: (_others_label(query), "")}
    lines: dict[tuple[date, str], Line] = {}
    for bucket, key, state, n, money in rows:
        k = OTHERS if key == OTHERS_ID else (NOBODY if key in (NOBODY_ID, None) else str(key))
        label, search = labels.get(k, (k, ""))
        line = lines.setdefault((bucket, k), Line(bucket, k, label, search=search))
        line.figures.add_state(state, n, money or Decimal(0))
    return lines


def _top_of(rows: list, top: int) -> list:
    spent: dict = defaultdict(Decimal)
    for _, key, _, _, money in rows:
        spent[key] += money or Decimal(0)
    return sorted(spent, key=lambda k: (-spent[k], k))[:top]


def _detail_rows(query: ReportQuery, column: str, keys: list | None) -> list[tuple]:
    """(bucket, key, state, purchases, money) over the range; with `keys`, everyone else as OTHERS_ID.

    The key is a CASE, not a filter: one pass over the range, and the planner is not tempted to AND the
    range with a big scan of the Steam user's index. Purchases of no operator have the key NOBODY_ID."""
    if keys is None:
        key = Coalesce(F(column), Value(NOBODY_ID), output_field=IntegerField())
    else:
        known = [k for k in keys if k is not None]
        whens = [When(**{f"{column}__in": known}, then=F(column))] if known else []
        if None in keys:
            whens.append(When(**{f"{column}__isnull": True}, then=Value(NOBODY_ID)))
        key = Case(*whens, default=Value(OTHERS_ID), output_field=IntegerField())
    trunc = TruncMonth if query.period == "month" else TruncDate
    rows = (
        _in_range(query)
        .annotate(bucket=trunc("created_at", output_field=DateField(), tzinfo=UTC), key=key)
        .values_list("bucket", "key", "state")
        .annotate(n=Count("pk"), money=Sum(MONEY))
        .order_by()
    )
    return [(_as_date(b), k, state, n, money) for b, k, state, n, money in rows]


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _others_label(query: ReportQuery) -> str:
    return "Other operators" if query.group == "operator" else "Other Steam users"


def _labels(group: str, keys: list) -> dict[str, tuple[str, str]]:
    """{key: (label, search)} of the top N: one query."""
    known = [k for k in keys if k is not None]
    if group == "operator":
        users = get_user_model().objects.filter(pk__in=known)
        labels = {str(u.pk): (u.get_full_name() or u.get_username(), "") for u in users}
        return {**labels, NOBODY: ("Nobody (imported or automatic)", "")}
    users = SteamUser.objects.filter(pk__in=known).only("pk", "display_name", "steam_id")
    return {str(u.pk): (f"{u.display_name or 'unnamed'} ({u.steam_id})", u.steam_id) for u in users}


# ------------------------------------------------------------------------------------------- refunds


def _apply_refunds(query: ReportQuery, lines: dict[tuple[date, str], Line]) -> None:
    """Move what was refunded for purchases created in the range from the part of the purchase's state
    to refunded (spend.py's rule). Refunds are few: one query over them, bounded by ROW_CAP."""
    start, end = _bounds(query)
    key_column = "purchase__" + {"provider": "provider"}.get(query.group, _key_field(query.group))
    rows = (
        Refund.objects.filter(
            purchase__created_at__gte=start,
            purchase__created_at__lt=end,
            purchase__state__in=list(SPENT_STATES),
        )
        .values_list("purchase_id", "purchase__created_at", "purchase__state", key_column)
        .annotate(refunded=Sum("amount"))
        .order_by()[:ROW_CAP]
    )
    for _, created_at, state, key, refunded in rows:
        bucket = bucket_of(created_at.astimezone(UTC).date(), query.period)
        key = NOBODY if key is None else str(key)
        line = lines.get((bucket, key)) or lines.get((bucket, OTHERS))
        if line is not None:
            line.figures.amounts[PART_OF_STATE[state]] -= refunded
            line.figures.amounts[Part.REFUNDED] += refunded


# ------------------------------------------------------------------------------------------- savings


def _apply_savings(query: ReportQuery, lines: dict[tuple[date, str], Line]) -> None:
    """What routing saved and the failovers bought, on the line of each routed purchase (its provider,
    operator or Steam user; "Others" when not in the top N): one query over the routed rows."""
    start, end = _bounds(query)
    column = "provider" if query.group == "provider" else _key_field(query.group)
    rows = by_bucket(start, end, query.period, column, SPENT_STATES)
    for bucket, key, saved, failovers in rows:
        bucket = bucket_of(_as_date(bucket), query.period)
        key = NOBODY if key is None else str(key)
        line = lines.get((bucket, key)) or lines.get((bucket, OTHERS))
        if line is None:  # the rollup and the purchases disagree (a write between the two reads)
            own = query.group == "provider"
            k = key if own else OTHERS
            label = _provider_label(key) if own else _others_label(query)
            line = lines.setdefault((bucket, k), Line(bucket, k, label))
        line.figures.saved += saved or Decimal(0)
        line.figures.failovers += failovers or 0
