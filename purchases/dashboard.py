"""What the admin index shows: provider health (cached), purchases per state, the last 14 days, the tasks.

A selector: `dashboard()` is called by the admin index view (backoffice/admin.py), never by a template tag.

The number of queries is fixed, whatever the size of the database, and none reads every purchase: the
per-state rollup (purchases/state_counts.py), the attention count and the newest sync stamp of an open
purchase (both through indexes of open or flagged rows), one GROUP BY for the 14 days (the created_at
index), one over the routed purchases of the last 7 days (what routing and failover saved: the partial
index purchase_routed_idx, purchases/savings.py), one over django-q's task table, one queue count, and
one cache read. The providers are asked at most once a minute, with short timeouts and no retries, and a
failure is shown as "unavailable", never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone
from django_q.models import OrmQ, Task

from . import state_counts
from .models import ProviderCode, Purchase
from .money import own_figure, unnamed_currency_note
from .policy.balance import low_balance_threshold, note_balance
from .providers import PROVIDERS, get_provider
from .providers.base import Balance, NotSupported, ProviderError
from .routing import routing_enabled
from .savings import dashboard_savings
from .selectors import attention_q
from .status import OPEN_STATES, SPENT_STATES, SUCCEEDED_STATES, UNSUCCESSFUL_STATES, State

log = logging.getLogger(__name__)

PROVIDER_CACHE_KEY = "backoffice:dashboard:providers"
PROVIDER_CACHE_SECONDS = 60
# the index page must stay fast when a provider hangs: (connect, read) seconds, no retry
PROBE_TIMEOUT = (1.5, 2.5)
SYNC_FUNC = "purchases.tasks.sync_open_purchases"
SYNC_LATE_AFTER = timedelta(minutes=5)
FAILURE_WINDOW = timedelta(hours=24)
CHART_DAYS = 14
NOT_OFFERED = "not offered"  # the provider's API has no such endpoint (NotSupported); _words says so


# ------------------------------------------------------------------------------------------ providers


def provider_health() -> list[dict[str, Any]]:
    """Balance and server status of every provider, asked at most once per PROVIDER_CACHE_SECONDS."""
    rows = cache.get(PROVIDER_CACHE_KEY)
    if rows is None:
        rows = [_probe(code) for code in PROVIDERS]
        cache.set(PROVIDER_CACHE_KEY, rows, PROVIDER_CACHE_SECONDS)
    return rows


def _probe(code: str) -> dict[str, Any]:
    row: dict[str, Any] = {"code": code, "name": ProviderCode(code).label, "checked_at": timezone.now()}
    try:
        client = get_provider(code, interactive=True, timeout=PROBE_TIMEOUT)
    except Exception:  # a misconfigured provider must not break the admin index
        log.exception("dashboard: provider %s could not be built", code)
        return {**row, "balance": None, "balance_problem": "unavailable", "status": "unavailable"}
    balance, problem = _ask(client.balance)
    row.update(_balance_fields(balance, problem))
    # every USD balance read is noted: the low-balance banner, /healthz and the admins' mail
    row["balance_state"] = note_balance(provider=code, usd=row["balance"])
    row["low_threshold"] = low_balance_threshold(code)
    if problem.startswith("unavailable"):
        row["status"] = "unavailable"  # it did not answer the balance: do not wait for it twice
        return row
    status, status_problem = _ask(client.server_status)
    if status is None:
        row["status"] = status_problem
    else:
        row["status"] = "up" if status.available else f"down: {status.reason or 'no reason given'}"
    return {**row, **_words(row)}


def _balance_fields(balance: Balance | None, problem: str) -> dict[str, Any]:
    """USD (what compares with prices) and, when it differs, the provider's own figure and currency."""
    if balance is None:
        return {"balance": None, "balance_problem": problem}
    own = own_figure(balance)
    if balance.usd is None:
        note = unnamed_currency_note(balance)
        return {
            "balance": None,
            "balance_own": own,
            "balance_problem": "currency not known",
            "balance_note": note,
        }
    return {"balance": balance.usd, "balance_own": own, "balance_problem": ""}


def _words(row: dict[str, Any]) -> dict[str, str]:
    """What "not offered" means, in words: the provider has no such endpoint, not that it is disabled."""
    words = {}
    name = row["name"]
    if row.get("status") == NOT_OFFERED:
        reachable = " Its balance answered, so it is reachable." if row.get("balance") is not None else ""
        words["status_label"] = "no status endpoint"
        words["status_note"] = f"{name} does not publish one (status not offered; not an outage).{reachable}"
    if row.get("balance_problem") == NOT_OFFERED:
        words["balance_problem"] = "no balance endpoint"
        words["balance_note"] = f"{name} does not publish one (balance not offered): see {name}'s own site."
    return words


def _ask(method: Callable[[], Any]) -> tuple[Any, str]:
    try:
        return method(), ""
    except NotSupported:
        return None, NOT_OFFERED
    except ProviderError as error:
        return None, f"unavailable ({type(error).__name__})"
    except Exception:
        log.exception("dashboard: provider read failed")
        return None, "unavailable"


# ------------------------------------------------------------------------------------------ purchases


def state_summary(now: datetime) -> dict[str, Any]:
    """Purchases per state (the rollup kept by triggers: no scan of the purchases table), the attention
    count (indexes of open and flagged rows) and the newest sync stamp of an open purchase (the partial
    index of open rows): three queries whose cost does not grow with the finished purchases."""
    totals = state_counts.by_state()
    counts = [(State(s).label, s, totals.get(s, 0)) for s in State.values]
    synced = Purchase.objects.filter(state__in=OPEN_STATES).aggregate(at=Max("last_synced_at"))["at"]
    return {
        "counts": counts,
        "total": sum(n for _, _, n in counts),
        "attention": Purchase.objects.filter(attention_q(now)).count(),
        "last_synced_at": synced,
    }


@dataclass(frozen=True)
class Day:
    day: date
    total: int
    succeeded: int
    unsuccessful: int
    spent: Decimal

    @property
    def settled(self) -> int:
        return self.succeeded + self.unsuccessful

    @property
    def success_rate(self) -> Decimal | None:
        """Share of the day's purchases that reached an outcome and succeeded (None: none settled)."""
        if not self.settled:
            return None
        return (Decimal(self.succeeded) * 100 / self.settled).quantize(Decimal("0.1"))


def last_days(now: datetime, days: int = CHART_DAYS) -> list[Day]:
    """One row per day (UTC) for the last `days` days, empty days included: one query over the rollup's
    rows of those days (purchases/state_counts.py), never over the purchases themselves."""
    first = now.date() - timedelta(days=days - 1)
    totals = state_counts.by_day(first)
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        rows = {state: totals[(d, state)] for (d, state) in totals if d == day}
        result.append(
            Day(
                day=day,
                total=sum(n for n, _ in rows.values()),
                succeeded=sum(n for s, (n, _) in rows.items() if s in SUCCEEDED_STATES),
                unsuccessful=sum(n for s, (n, _) in rows.items() if s in UNSUCCESSFUL_STATES),
                spent=sum((m for s, (_, m) in rows.items() if s in SPENT_STATES), Decimal("0")),
            )
        )
    return result


# ------------------------------------------------------------------------------------------ tasks


def task_health(now: datetime, last_synced_at: datetime | None) -> dict[str, Any]:
    """Last successful sync run, queued tasks, failures of the last 24 h: two queries."""
    tasks = Task.objects.aggregate(
        last_sync=Max("stopped", filter=Q(success=True, func=SYNC_FUNC)),
        failed=Count("pk", filter=Q(success=False, stopped__gte=now - FAILURE_WINDOW)),
    )
    last_sync = max((t for t in (tasks["last_sync"], last_synced_at) if t), default=None)
    return {
        "last_sync": last_sync,
        "sync_late": last_sync is None or last_sync < now - SYNC_LATE_AFTER,
        "late_minutes": int(SYNC_LATE_AFTER.total_seconds() // 60),
        "queued": _queued(),
        "failed": tasks["failed"],
    }


def _queued() -> int | None:
    if "orm" in settings.Q_CLUSTER:
        return OrmQ.objects.count()
    try:
        from django_q.brokers import get_broker

        return get_broker().queue_size()
    except Exception:
        log.exception("dashboard: the task broker could not be asked")
        return None


# ------------------------------------------------------------------------------------------ all


def dashboard(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    providers = provider_health()
    states = state_summary(now)
    days = last_days(now)
    return {
        "providers": providers,
        "low_balances": low_balances(providers),
        "states": states,
        "days": days,
        "tasks": task_health(now, states["last_synced_at"]),
        "spent_total": sum((d.spent for d in days), Decimal("0")),
        "savings": {**dashboard_savings(now), "routing": routing_enabled()},
    }


def low_balances(providers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The providers whose balance read below its threshold (the red banner): from the probe's rows."""
    return [p for p in providers if p.get("balance_state") == "low"]
