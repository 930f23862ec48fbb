"""What /metrics reports. Every number is read from the rollup, an index range of recent or open rows, the
cache or the task table (which django-q keeps to `save_limit` rows): the queries are the same in number and
cost at a hundred purchases and at a million. Metric names and meanings: the README's "Metrics" section.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from .. import state_counts
from ..dashboard import provider_health
from ..health import last_sync_task
from ..models import ProviderCall, Purchase
from ..providers import PROVIDERS, get_provider
from ..status import OPEN_STATES, SPENT_STATES, STATES
from .exposition import Gauge

log = logging.getLogger(__name__)

#: provider requests are reported over this recent window (their started_at index range)
REQUEST_WINDOW = timedelta(minutes=5)
#: the purchases held for an approver, once the payout controls define the state
APPROVAL_STATE = "awaiting_approval"
NOT_FINAL = sorted(state for state, info in STATES.items() if not info.final)


def gauges(now: datetime | None = None) -> list[Gauge]:
    now = now or timezone.now()
    return [
        purchases_by_state(),
        *oldest_purchases(now),
        *sync_freshness(now),
        provider_requests(now),
        *rate_limit_headroom(),
        balances(),
        spent_today(now),
        *approval_queue(),
    ]


def purchases_by_state() -> Gauge:
    gauge = Gauge("backoffice_purchases", "Purchases per provider and state (from the per-state rollup).")
    counts = state_counts.counts()
    for provider in PROVIDERS:
        for state in STATES:
            gauge.add(counts.get((provider, str(state)), 0), provider=provider, state=str(state))
    return gauge


def oldest_purchases(now: datetime) -> list[Gauge]:
    """Age of the oldest purchase per provider in each state that is not final; and of the oldest
    unconfirmed one (the alert's number), 0 when there is none."""
    oldest = Gauge("backoffice_oldest_purchase_age_seconds", "Age of the oldest purchase not final yet.")
    unconfirmed = Gauge(
        "backoffice_oldest_unconfirmed_age_seconds", "Age of the oldest unconfirmed purchase (0: none)."
    )
    rows = (
        Purchase.objects.filter(state__in=NOT_FINAL)
        .order_by()
        .values_list("provider", "state")
        .annotate(first=Min("created_at"))
    )
    worst: dict[str, float] = dict.fromkeys(PROVIDERS, 0.0)
    for provider, state, first in rows:
        age = max((now - first).total_seconds(), 0.0)
        oldest.add(age, provider=provider, state=state)
        if state == "unconfirmed":
            worst[provider] = max(worst.get(provider, 0.0), age)
    for provider, age in worst.items():
        unconfirmed.add(age, provider=provider)
    return [oldest, unconfirmed]


def sync_freshness(now: datetime) -> list[Gauge]:
    """When a sync last finished: the cluster's last successful sync task, or the newest sync stamp of
    an open purchase (a cron-run sync_purchases), as /healthz reads them."""
    task_at, _ = last_sync_task()
    row_at = Purchase.objects.filter(state__in=OPEN_STATES).aggregate(at=Max("last_synced_at"))["at"]
    last = max((t for t in (task_at, row_at) if t is not None), default=None)
    stamp = Gauge("backoffice_last_sync_timestamp_seconds", "Unix time of the last finished status sync.")
    age = Gauge("backoffice_sync_age_seconds", "Seconds since the last finished status sync.")
    open_now = Gauge("backoffice_open_purchases", "1 when any purchase is open (a sync is expected), else 0.")
    if last is not None:
        stamp.add(last.timestamp())
        age.add(max((now - last).total_seconds(), 0.0))
    open_now.add(int(_any_open()))  # asked every time: the same queries whatever the answer
    return [stamp, age, open_now]


def _any_open() -> bool:
    return Purchase.objects.filter(state__in=OPEN_STATES).exists()


def provider_requests(now: datetime) -> Gauge:
    window = int(REQUEST_WINDOW.total_seconds())
    gauge = Gauge(
        "backoffice_provider_requests_recent",
        f"Provider requests started in the last {window} s, by provider, method and outcome.",
    )
    rows = (
        ProviderCall.objects.filter(started_at__gte=now - REQUEST_WINDOW)
        .order_by()
        .values_list("provider", "method", "outcome")
        .annotate(n=Count("pk"))
    )
    for provider, method, outcome, n in rows:
        gauge.add(n, provider=provider, method=method, outcome=outcome)
    return gauge


def rate_limit_headroom() -> list[Gauge]:
    used = Gauge("backoffice_rate_limit_used", "Provider requests counted in the current minute window.")
    limit = Gauge(
        "backoffice_rate_limit_limit", "Requests per minute we allow ourselves (below the provider's)."
    )
    headroom = Gauge(
        "backoffice_rate_limit_headroom_ratio", "Share of the minute's request budget left (0-1)."
    )
    for code in PROVIDERS:
        limiter = _limiter(code)
        if limiter is None:
            continue
        try:
            count, most = limiter.usage()
        except Exception:  # the shared cache being down must not break the scrape
            log.warning("metrics: rate-limit usage of %s unreadable", code, exc_info=True)
            continue
        used.add(count, provider=code)
        limit.add(most, provider=code)
        headroom.add(max(most - count, 0) / most if most else 0.0, provider=code)
    return [used, limit, headroom]


def _limiter(code: str) -> Any:
    try:
        return getattr(getattr(get_provider(code), "transport", None), "limiter", None)
    except Exception:  # a misconfigured provider: no headroom to report
        log.warning("metrics: provider %s could not be built", code, exc_info=True)
        return None


def usd_balance(row: dict[str, Any]) -> Decimal | None:
    """The USD balance of one provider row of the dashboard's cached health check (its Balance, read once
    a minute at most), or None when the provider did not answer."""
    return row.get("balance")


def balances() -> Gauge:
    gauge = Gauge("backoffice_provider_balance_usd", "Provider account balance in USD (cached up to 60 s).")
    for row in provider_health():
        gauge.add(usd_balance(row), provider=row["code"])
    return gauge


def spent_today(now: datetime) -> Gauge:
    """USD debited (the price when no debit was reported) for purchases created since 00:00 UTC, from
    the rollup's rows of today."""
    gauge = Gauge("backoffice_spent_today_usd", "USD spent today (UTC) on purchases that spend money.")
    spent = state_counts.spent_on(now.astimezone(UTC).date(), SPENT_STATES)
    for provider in PROVIDERS:
        gauge.add(spent.get(provider) or Decimal("0"), provider=provider)
    return gauge


def approval_queue() -> list[Gauge]:
    """Size and USD of max prices of the purchases waiting for an approver (when the state exists)."""
    if APPROVAL_STATE not in {str(state) for state in STATES}:
        return []
    size = Gauge("backoffice_approval_queue", "Purchases waiting for an approver.")
    total = Gauge("backoffice_approval_queue_usd", "USD of the max prices waiting for an approver.")
    rows = (
        Purchase.objects.filter(state=APPROVAL_STATE)
        .order_by()
        .values_list("provider")
        .annotate(n=Count("pk"), usd=Sum("max_price"))
    )
    by_provider = {provider: (n, usd) for provider, n, usd in rows}
    for provider in PROVIDERS:
        n, usd = by_provider.get(provider, (0, Decimal("0")))
        size.add(n, provider=provider)
        total.add(usd or Decimal("0"), provider=provider)
    return [size, total]
