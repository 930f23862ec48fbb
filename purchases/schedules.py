"""The task cluster's schedules, as data. `setup_schedules` creates or updates them by name."""

from __future__ import annotations

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "sync open purchases",
        "func": "purchases.tasks.sync_open_purchases",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        # the callback view kicks a drain after storing; this applies whatever a lost kick left
        "name": "apply stored callbacks",
        "func": "purchases.tasks.apply_callbacks",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        "name": "resend lost buys",
        "func": "purchases.tasks.resend_stale_pending",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
    },
    {
        "name": "expire approvals",
        "func": "purchases.tasks.expire_approvals",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
    {"name": "reconcile purchases", "func": "purchases.tasks.reconcile", "schedule_type": Schedule.DAILY},
    {"name": "prune provider logs", "func": "purchases.tasks.prune_logs", "schedule_type": Schedule.DAILY},
]


def setup_schedules() -> list[tuple[str, bool]]:
    """Create or update each schedule by name; never a duplicate. Returns (name, created)."""
    result = []
    for spec in SCHEDULES:
        values = {"minutes": None, "repeats": -1, **{k: v for k, v in spec.items() if k != "name"}}
        matches = Schedule.objects.filter(name=spec["name"]).order_by("pk")
        first = matches.first()
        if first is None:
            Schedule.objects.create(name=spec["name"], **values)
            result.append((spec["name"], True))
            continue
        matches.exclude(pk=first.pk).delete()  # heal duplicates made by hand
        for key, value in values.items():
            setattr(first, key, value)
        first.save()
        result.append((spec["name"], False))
    return result
