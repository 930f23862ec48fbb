"""The distributed path: two django-q2 clusters (`manage.py qcluster` processes) sharing one database and
one Redis broker, against the sandbox provider (DESIGN sections 4 and 10).

- every due schedule creates exactly one task across both clusters (django-q2's scheduler takes the
  schedules with SELECT ... FOR UPDATE, on SQLite inside a BEGIN IMMEDIATE transaction);
- the same buy chunk task delivered twice buys each custom_id once (the task claims pending rows with
  one conditional UPDATE);
- syncs running at the same time in both clusters ask about each open purchase once: ceil(N/100)
  status requests in total (batches are leased with a conditional UPDATE).
"""

from __future__ import annotations

import math

import pytest

from .harness import wait_for

pytestmark = pytest.mark.distributed

TASK_TIMEOUT = 30.0
SYNC_N = 450


def test_each_due_schedule_fires_once_across_both_clusters(deployment):
    assert deployment.schedule_runs, "setup_schedules created no schedule"
    assert deployment.schedule_runs == dict.fromkeys(deployment.schedule_runs, 1)
    assert deployment.scheduled_within < 20, deployment.scheduled_within
    logs = "".join(cluster.text() for cluster in deployment.clusters)
    for name in deployment.schedule_runs:
        assert logs.count(f"from schedule [{name}]") == 1, name  # one scheduler created it, once
    assert all(cluster.process.poll() is None for cluster in deployment.clusters)


def _available_listings(state, count: int) -> list[dict]:
    listings = (state.catalog.listing("skinsback", "cs2", i) for i in range(200, 200 + count * 3))
    chosen = [listing for listing in listings if listing.available][:count]
    return [{"id": str(x.id), "name": x.name, "price": str(x.price)} for x in chosen]


def test_a_buy_task_delivered_twice_buys_each_custom_id_once(deployment, sandbox_state):
    driver = deployment.driver
    sandbox_state.inject("market_batch_buy", "latency", latency=1.0)  # the second delivery runs meanwhile
    created = driver("buy-setup", stdin=_available_listings(sandbox_state, 4))
    ids, custom_ids = created["ids"], created["custom_ids"]
    driver("enqueue-buy", 2, *ids)

    def settled() -> bool:
        return not {"pending", "unconfirmed"} & set(driver("states", *ids).values())

    wait_for(settled, timeout=TASK_TIMEOUT, what="the purchases to leave pending/unconfirmed")
    results = wait_for(
        lambda: (r := driver("task-results", "distributed-buy")["results"]) and len(r) == 2 and r,
        timeout=TASK_TIMEOUT,
        what="both deliveries of the buy task to finish",
    )
    assert [sandbox_state.buys_recorded[c] for c in custom_ids] == [1] * len(custom_ids)
    assert sandbox_state.requests["market_batch_buy"] == 1
    assert sorted(r["result"]["sent"] for r in results) == [0, len(ids)]  # the second claimed nothing
    assert set(driver("states", *ids).values()) == {"in_progress"}


def test_syncs_running_in_both_clusters_at_once_ask_once(deployment, sandbox_state):
    driver = deployment.driver
    custom_ids = [f"dist-sync-{n:04d}" for n in range(SYNC_N)]
    bought = sandbox_state.create_purchases("skinsback", custom_ids, status="waiting_accept")
    open_count = driver("open-purchases", stdin=[[p.custom_id, p.buy_id] for p in bought])["open"]
    # every status request takes 1 s: the second run starts (and lists its candidates) well before the first
    # one stamps anything, so the two runs truly overlap and split the batches between them
    sandbox_state.inject("market_getinfo", "latency", latency=1.0)
    before = sandbox_state.requests["market_getinfo"]
    runs = 2  # both start at once: one per cluster, or both workers (Q_WORKERS=2) of one
    driver("enqueue-sync", runs)
    results = wait_for(
        lambda: (r := driver("task-results", "distributed-sync")["results"]) and len(r) == runs and r,
        timeout=TASK_TIMEOUT,
        what="the overlapping syncs to finish",
    )
    assert all(r["success"] for r in results), results
    status_requests = sandbox_state.requests["market_getinfo"] - before
    assert status_requests == math.ceil(open_count / 100), (status_requests, open_count)
    assert sum(r["result"]["refreshed"] for r in results) == open_count
