"""What best-price routing and failover saved (issue 22): the dashboard's figures and the spend report's.

- Money saved by routing: the sum of `route_saving` (the next best provider's quote minus the chosen one's,
  recorded when the line was created; negative when the operator chose a dearer provider, so the figure
  is net) of the lines routed as "Best price" or "Chosen by the operator". A failover records no saving:
  it is counted as a line saved instead.
- Lines saved by failover: replacements created at another provider after a positive refusal
  (route=failover) that were bought: delivered, on hold or on their way (in progress).

Every read goes through the partial index `purchase_routed_idx` (the routed rows only, by created_at):
a filter on `route__in=ROUTED` and a created_at range, never a scan of the purchases.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth

from .models import ROUTED, Purchase, Route
from .status import State

#: the dashboard counts the saving of every routed line that may have cost money: not refused by the
#: provider (rejected) and not declined by an approver (nothing was bought there)
SAVING_STATES = frozenset(State) - {State.REJECTED, State.DECLINED}
#: a failover saved the line once the skin was bought at the second provider
FAILOVER_SAVED_STATES = frozenset({State.IN_PROGRESS, State.ON_HOLD, State.DELIVERED})
PRICED_ROUTES = [Route.BEST, Route.OPERATOR]
WEEK_DAYS = 7


def routed(start: datetime, end: datetime | None = None) -> QuerySet[Purchase]:
    """The routed purchases created in [start, end): through the partial index purchase_routed_idx."""
    rows = Purchase.objects.filter(route__in=ROUTED, created_at__gte=start)
    return rows.filter(created_at__lt=end) if end is not None else rows


def saved_q(states=SAVING_STATES) -> Q:
    return Q(route__in=PRICED_ROUTES, state__in=sorted(states))


def failover_q(states=FAILOVER_SAVED_STATES) -> Q:
    return Q(route=Route.FAILOVER, state__in=sorted(states))


def dashboard_savings(now: datetime) -> dict[str, Any]:
    """Today (UTC) and the last 7 days (today and the 6 before): money saved by routing, the lines it was
    saved on (a saving recorded: another provider quoted the skin too), and lines saved by failover. One
    query over the routed rows of those 7 days."""
    today = datetime.combine(now.astimezone(UTC).date(), time.min, tzinfo=UTC)
    first = today - timedelta(days=WEEK_DAYS - 1)
    is_today = Q(created_at__gte=today)
    compared = saved_q() & Q(route_saving__isnull=False)  # lines another provider quoted too
    figures = routed(first).aggregate(
        saved_today=Sum("route_saving", filter=saved_q() & is_today),
        saved_week=Sum("route_saving", filter=saved_q()),
        lines_today=Count("pk", filter=compared & is_today),
        lines_week=Count("pk", filter=compared),
        failovers_today=Count("pk", filter=failover_q() & is_today),
        failovers_week=Count("pk", filter=failover_q()),
    )
    zero = Decimal("0.00")
    return {
        **figures,
        "saved_today": figures["saved_today"] or zero,
        "saved_week": figures["saved_week"] or zero,
        "first_day": first.date(),
        "days": WEEK_DAYS,
    }


def by_bucket(start: datetime, end: datetime, period: str, key: str, states) -> list[tuple]:
    """(bucket, key, saved, failovers) of the routed purchases created in [start, end) in `states`, per
    day or month (UTC) and per `key` (a column: provider, created_by_id, steam_user_id): one GROUP BY
    over the routed rows of the range."""
    trunc = TruncMonth if period == "month" else TruncDate
    rows = (
        routed(start, end)
        .filter(state__in=sorted(states))
        .annotate(bucket=trunc("created_at", output_field=DateField(), tzinfo=UTC))
        .values_list("bucket", key)
        .annotate(
            saved=Sum("route_saving", filter=Q(route__in=PRICED_ROUTES)),
            failovers=Count("pk", filter=failover_q(FAILOVER_SAVED_STATES & set(states))),
        )
        .order_by()
    )
    return list(rows)
