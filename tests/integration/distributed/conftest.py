"""Two django-q2 clusters on the Redis broker, one scratch database and one sandbox, shared by the module.

Skipped with a reason when no Redis server answers at REDIS_URL (or redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .harness import Cluster, Driver, process_env, purge_queue, redis_reachable, scratch_database, wait_for

CLUSTERS = 2
STARTUP_TIMEOUT = 30.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "distributed: two django-q2 clusters on a Redis broker (skipped without a Redis server)"
    )


@dataclass
class Deployment:
    driver: Driver
    sandbox: object
    clusters: list[Cluster]
    schedule_runs: dict[str, int] = field(default_factory=dict)
    scheduled_within: float = 0.0


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    problem = redis_reachable(url)
    if problem:
        pytest.skip(problem)
    return url


@pytest.fixture(scope="module")
def distributed_sandbox():
    from sandbox.server import SandboxServer

    with SandboxServer(port=0, seed=11, speed=0.001) as server:  # trades barely move: states stay put
        yield server


@pytest.fixture(scope="module")
def deployment(redis_url, distributed_sandbox, tmp_path_factory) -> Iterator[Deployment]:
    """Migrate a scratch database with every schedule due, then start the clusters and let their
    schedulers race for the due schedules; the schedules are parked afterwards so later tests only see
    the tasks they enqueue themselves."""
    tmp: Path = tmp_path_factory.mktemp("distributed")
    queue = f"backoffice-test-{uuid.uuid4().hex[:8]}"
    with scratch_database(tmp) as database_url:
        env = process_env(database_url, redis_url, queue, distributed_sandbox.url)
        driver = Driver(env)
        driver("prepare")
        started = time.monotonic()
        clusters = [Cluster(env, tmp / f"cluster-{n}.log") for n in range(CLUSTERS)]
        try:
            deployment = Deployment(driver, distributed_sandbox, clusters)
            _await_schedules(deployment, started)
            driver("park-schedules")
            yield deployment
        finally:
            for cluster in clusters:
                cluster.stop()
            purge_queue(redis_url, queue)


def _await_schedules(deployment: Deployment, started: float) -> None:
    clusters = deployment.clusters
    wait_for(lambda: all(c.running for c in clusters), timeout=STARTUP_TIMEOUT, what="both clusters running")
    dead = [c.text()[-2000:] for c in clusters if c.process.poll() is not None]
    assert not dead, f"a cluster exited: {dead}"
    wait_for(
        lambda: all(deployment.driver("schedule-runs").values()),
        timeout=STARTUP_TIMEOUT,
        what="a task from every due schedule",
    )
    deployment.scheduled_within = time.monotonic() - started
    time.sleep(2.0)  # room for a duplicate to show up, had a second scheduler fired too
    deployment.schedule_runs = deployment.driver("schedule-runs")


@pytest.fixture
def sandbox_state(deployment):
    """The module's sandbox state, its faults cleared after each test."""
    state = deployment.sandbox.state
    yield state
    state.clear_faults()
