"""`/healthz`: is the database answering, and when did the task cluster last sync.

HTTP 200 whenever the database answers (a load balancer keeps the web process), 503 only when it does
not. The body says more for monitoring:

    {"status": "ok", "database": true, "sync": "ok" | "stale" | "idle" | "unknown",
     "last_sync": "2025-01-01T12:00:00+00:00" | null, "open_purchases": true, "paused": {...},
     "balance": {"skinsback": "ok" | "low" | "unknown", ...}}

`sync` is `stale` when purchases are open and no sync finished within `STALE_AFTER` (the worker or its
schedule is down), `idle` when nothing is open (no sync is needed, so none is expected), `unknown` when
the task tables could not be read. `last_sync` is the later of the last successful sync task of the
cluster and the newest `last_synced_at` of an open purchase (the latter also covers a cron-run
`sync_purchases`). `paused` lists providers the last sync task paused for (rate limit, maintenance).
`balance` is each provider's last known USD balance against PROVIDER_LOW_BALANCE_USD (policy/balance.py);
no provider is asked here, so "unknown" means nothing read it within a day.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .policy.balance import balance_states
from .providers import PROVIDERS

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=5)
SYNC_TASKS = ("purchases.tasks.sync_open_purchases", "purchases.tasks.reconcile")


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def last_sync_task() -> tuple[datetime | None, dict]:
    """When the last successful sync task of the cluster finished, and what it paused for."""
    from django_q.models import Success

    row = Success.objects.filter(func__in=SYNC_TASKS).order_by("-stopped").values("stopped", "result").first()
    if row is None:
        return None, {}
    result = row["result"] if isinstance(row["result"], dict) else {}
    paused = result.get("paused") if isinstance(result.get("paused"), dict) else {}
    return row["stopped"], paused


def sync_status(now: datetime | None = None) -> dict[str, Any]:
    from .models import Purchase
    from .status import OPEN_STATES

    now = now or timezone.now()
    open_purchases = Purchase.objects.filter(state__in=OPEN_STATES)
    task_at, paused = last_sync_task()
    row_at = open_purchases.aggregate(at=Max("last_synced_at"))["at"]
    last = max((t for t in (task_at, row_at) if t is not None), default=None)
    is_open = open_purchases.exists()
    if not is_open:
        state = "idle"
    elif last is None or last < now - STALE_AFTER:
        state = "stale"
    else:
        state = "ok"
    return {
        "sync": state,
        "last_sync": last.isoformat() if last else None,
        "open_purchases": is_open,
        "paused": paused,
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    if not database_ok():
        return JsonResponse({"status": "error", "database": False}, status=503)
    body: dict[str, Any] = {"status": "ok", "database": True}
    try:
        body.update(sync_status())
    except Exception:  # e.g. a table not migrated yet: the database itself answered
        log.warning("healthz could not read the sync status", exc_info=True)
        body["sync"] = "unknown"
    try:
        body["balance"] = balance_states()
    except Exception:  # the cache is down: the database answered, so this is still a 200
        log.warning("healthz could not read the last known balances", exc_info=True)
        body["balance"] = dict.fromkeys(PROVIDERS, "unknown")
    return JsonResponse(body, status=200)
