"""A separate process for the distributed tests: it works on the scratch database and the Redis broker the
task clusters use (both from the environment: DATABASE_URL, REDIS_URL, DJANGO_SETTINGS_MODULE), and
prints its answer as one JSON document.

    python driver.py prepare                      migrate, cache table, the schedules all due now
    python driver.py schedule-runs                {schedule name: tasks it created, ...}
    python driver.py park-schedules               push every schedule a day ahead
    python driver.py buy-setup < listings.json    a Steam user, items and pending purchases (not enqueued)
    python driver.py enqueue-buy TIMES ID...      the same buy chunk task TIMES times into the broker
    python driver.py states ID...                 {id: state}
    python driver.py open-purchases < pairs.json  in-progress purchases [[custom_id, buy_id], ...]
    python driver.py enqueue-sync TIMES           purchases.tasks.sync_open_purchases TIMES times
    python driver.py task-results GROUP           results of the finished tasks of a group
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the project root

STEAM_ID = "76561198000004242"
BUY_GROUP = "distributed-buy"
SYNC_GROUP = "distributed-sync"


def prepare() -> dict:
    from django.core.management import call_command
    from django.utils import timezone
    from django_q.models import Schedule

    from purchases.schedules import setup_schedules

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    setup_schedules()
    Schedule.objects.update(next_run=timezone.now() - timedelta(minutes=1))
    return {"schedules": sorted(Schedule.objects.values_list("name", flat=True))}


def schedule_runs() -> dict:
    from django.db.models import Count
    from django_q.models import Schedule, Task

    names = list(Schedule.objects.values_list("name", flat=True))
    counts = dict(Task.objects.filter(group__in=names).values_list("group").annotate(n=Count("id")))
    return {name: counts.get(name, 0) for name in names}


def park_schedules() -> dict:
    from django.utils import timezone
    from django_q.models import Schedule

    return {"parked": Schedule.objects.update(next_run=timezone.now() + timedelta(days=1))}


def buy_setup() -> dict:
    from purchases.models import Item, SteamUser
    from purchases.services import BuyLine, purchases_create
    from purchases.validators import STEAM_ID64_BASE

    partner = int(STEAM_ID) - STEAM_ID64_BASE
    user, _ = SteamUser.objects.get_or_create(
        steam_id=STEAM_ID,
        defaults={
            "trade_url": f"https://steamcommunity.com/tradeoffer/new/?partner={partner}&token=Ab12Cd34"
        },
    )
    user.full_clean()
    user.save()
    lines = []
    for listing in json.load(sys.stdin):
        item, _ = Item.objects.get_or_create(
            provider="skinsback",
            provider_item_id=str(listing["id"]),
            defaults={"name": listing["name"], "game": "cs2", "price": Decimal(listing["price"])},
        )
        lines.append(BuyLine(max_price=(item.price * 2).quantize(Decimal("0.01")), item=item))
    created = purchases_create(
        steam_user=user, provider="skinsback", lines=lines, actor=None, batch_id=uuid.uuid4(), enqueue=False
    )
    return {"ids": [p.pk for p in created.purchases], "custom_ids": [p.custom_id for p in created.purchases]}


def enqueue_buy(times: str, *ids: str) -> dict:
    from django_q.tasks import async_task

    chunk = [int(pk) for pk in ids]
    tasks = [async_task("purchases.tasks.send_purchases", chunk, group=BUY_GROUP) for _ in range(int(times))]
    return {"tasks": tasks}


def states(*ids: str) -> dict:
    from purchases.models import Purchase

    return {str(pk): state for pk, state in Purchase.objects.filter(pk__in=ids).values_list("pk", "state")}


def open_purchases() -> dict:
    from django.utils import timezone

    from purchases.models import Purchase, SteamUser
    from purchases.status import OPEN_STATES, State

    user, _ = SteamUser.objects.get_or_create(steam_id="76561198000004343")
    now = timezone.now()
    Purchase.objects.bulk_create(
        Purchase(
            provider="skinsback",
            custom_id=custom_id,
            buy_id=str(buy_id),
            steam_user=user,
            item_name="sync",
            max_price=1,
            state=State.IN_PROGRESS,
            sent_at=now,
        )
        for custom_id, buy_id in json.load(sys.stdin)
    )
    return {"open": Purchase.objects.filter(state__in=OPEN_STATES, provider="skinsback").count()}


def enqueue_sync(times: str) -> dict:
    from django_q.tasks import async_task

    func = "purchases.tasks.sync_open_purchases"
    return {"tasks": [async_task(func, group=SYNC_GROUP) for _ in range(int(times))]}


def task_results(group: str) -> dict:
    from django_q.models import Task

    rows = Task.objects.filter(group=group).values_list("success", "result", "cluster")
    return {
        "results": [{"success": ok, "result": result, "cluster": cluster} for ok, result, cluster in rows]
    }


COMMANDS: dict[str, Any] = {
    "prepare": prepare,
    "schedule-runs": schedule_runs,
    "park-schedules": park_schedules,
    "buy-setup": buy_setup,
    "enqueue-buy": enqueue_buy,
    "states": states,
    "open-purchases": open_purchases,
    "enqueue-sync": enqueue_sync,
    "task-results": task_results,
}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    print(json.dumps(COMMANDS[argv[0]](*argv[1:]), default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
