"""Callback intake under load: our /webhooks/skinsback/ and a naive receiver, side by side in one run.

    .venv/bin/python bench/callbacks.py                     (SQLite scratch file)
    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/bench_cb .venv/bin/python bench/callbacks.py

Both are served by `gunicorn <app> --workers 4` in child processes: ours is backoffice.wsgi with the
production environment (DEBUG off, so HTTPS is required: the requests carry `X-Forwarded-Proto: https` as
the TLS proxy's would; /webhooks/<code>/ goes through the slim callback middleware stack), the naive one
is bench/_naive_receiver.py, which reads the body and answers 200, checking nothing and storing nothing.
Ours verifies the signature, stores the callback (one INSERT) and answers; nothing is applied inside the
request: a drain applies what was stored, in batches (purchases/services/callback_drain.py).

Each run sends N signed SkinsBack `status_change` callbacks from C client threads (one requests.Session
each): every open purchase of the run gets `waiting_accept`, then `accepted` or `canceled`, and every
25th callback is a byte-identical replay of an earlier one. The runs of ours and the naive receiver are
interleaved (order swapped every repeat), each repeat on fresh open purchases; the medians are printed
with the ratio ours / naive (goal ≥ 0.5) and, for ours, how many of the callbacks were stored (counted
in the database: none may be lost). After each run of ours, outside the timed part and before the next
server's run, this process runs the drain (`callbacks_apply_pending`, what the task cluster runs) until
nothing is pending and prints "applied N of N" (every stored callback applied), how long the drain took
and its rate; the summary adds them up. No task cluster runs here: the drain tasks the server enqueues
stay queued. "CPU/req" is the CPU time the gunicorn workers (from /proc, Linux only; PostgreSQL's own
backends not included) and this process's client threads spent per request: unlike req/s it does not
drop when other work shares the machine.

Knobs: BENCH_CALLBACKS_N (3000), BENCH_CALLBACKS_CONCURRENCY (16), BENCH_CALLBACKS_REPEATS (5),
BENCH_CALLBACKS_PURCHASES (2000 open purchases per repeat), BENCH_CALLBACKS_WORKERS (4).
The servers' logs go to files under the temporary directory (printed at the end), not to the terminal.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from _setup import ROOT, django_on_scratch_db, free_port

N = int(os.environ.get("BENCH_CALLBACKS_N", "3000"))
CONCURRENCY = int(os.environ.get("BENCH_CALLBACKS_CONCURRENCY", "16"))
REPEATS = int(os.environ.get("BENCH_CALLBACKS_REPEATS", "5"))
PURCHASES = int(os.environ.get("BENCH_CALLBACKS_PURCHASES", "2000"))
WORKERS = int(os.environ.get("BENCH_CALLBACKS_WORKERS", "4"))
REPLAY_EVERY = 25  # every 25th callback repeats one sent 100 callbacks earlier, byte for byte
REPLAY_LAG = 100
WARMUP = 8  # callbacks per client thread before the first timed run, so every worker is up and connected
GOAL = 0.5

SECRET = "bench-webhook-secret"
PATH = "/webhooks/skinsback/"
HEADERS = {"Content-Type": "application/json", "X-Forwarded-Proto": "https"}

Job = tuple[bytes, str]  # (raw body, signature)


@dataclass
class Result:
    seconds: float
    latencies: list[float]  # seconds, one per request answered
    errors: int
    answers: dict[int, int] = field(default_factory=dict)  # HTTP status -> count
    client_cpu: float = 0.0  # CPU seconds of this process (the client threads) during the run
    server_cpu: float | None = None  # CPU seconds of the gunicorn workers during the run

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


class Gunicorn:
    """`gunicorn <app> --workers W --bind 127.0.0.1:<port>` in a child process, its output in a file."""

    def __init__(self, name: str, app: str, *, env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{PATH}"
        self.log = Path(tempfile.gettempdir()) / f"bench-callbacks-{name}-{os.getpid()}.log"
        binary = Path(sys.executable).with_name("gunicorn")
        launcher = [str(binary)] if binary.exists() else [sys.executable, "-m", "gunicorn"]
        command = [*launcher, app, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}"]
        command.append("--no-control-socket")  # not the shared ~/.gunicorn/gunicorn.ctl of other servers
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def wait(self) -> None:
        """Until it answers (any answer: a GET gets 405 from both), for at most a minute."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited; see {self.log}")
            try:
                requests.get(self.url, headers=HEADERS, timeout=10)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.name}) did not answer; see {self.log}")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the workers so far (Linux /proc; None elsewhere). Not wall time, so it
        stays comparable when other work shares the machine."""
        try:
            total = 0
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:  # ppid: a worker of this master
                    total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
            return total / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def sign(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def callback(purchase, status: str) -> bytes:
    data = {
        "item": {"id": "1"},
        "buy_id": purchase.buy_id,
        "offer_status": status,
        "error_reason": None,
        "tradeofferid": str(4_000_000_000 + purchase.pk),
        "custom_id": purchase.custom_id,
    }
    return json.dumps({"event": "status_change", "data": data}).encode()


def jobs_for(purchases: list, n: int) -> list[Job]:
    """n callbacks over the purchases: first `waiting_accept` to each, then `accepted` (even ones) or
    `canceled` (odd ones), then the provider's resends of those; every REPLAY_EVERY-th is a replay."""
    bodies: list[bytes] = []
    fresh = itertools.count()
    while len(bodies) < n:
        if len(bodies) % REPLAY_EVERY == REPLAY_EVERY - 1 and len(bodies) >= REPLAY_LAG:
            bodies.append(bodies[-REPLAY_LAG])
            continue
        k = next(fresh)
        index, step = k % len(purchases), k // len(purchases)
        final = "accepted" if index % 2 == 0 else "canceled"
        bodies.append(callback(purchases[index], "waiting_accept" if step == 0 else final))
    return [(body, sign(body)) for body in bodies]


def open_purchases(prefix: str, count: int, first_buy_id: int) -> list:
    from django.utils import timezone

    from purchases.models import Purchase, SteamUser

    user, _ = SteamUser.objects.get_or_create(steam_id="76561198050648523")
    Purchase.objects.bulk_create(
        (
            Purchase(
                provider="skinsback",
                custom_id=f"{prefix}-{i:05d}",
                buy_id=str(first_buy_id + i),
                steam_user=user,
                item_name="bench",
                max_price=1,
                state="in_progress",
                provider_status="creating_trade",
                sent_at=timezone.now(),
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    rows = list(Purchase.objects.filter(custom_id__startswith=f"{prefix}-").order_by("custom_id"))
    _analyze()
    return rows


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE purchases_purchase")


def load(url: str, jobs: list[Job], concurrency: int) -> Result:
    """Send every job once from `concurrency` threads (each its own Session); wall time from the start
    barrier to the last answer."""
    pending = iter(range(len(jobs)))
    lock = threading.Lock()
    latencies: list[float] = []
    answers: dict[int, int] = {}
    errors = 0
    start = threading.Barrier(concurrency + 1)

    def client() -> None:
        nonlocal errors
        session = requests.Session()
        mine: list[float] = []
        mine_answers: dict[int, int] = {}
        mine_errors = 0
        start.wait()
        while True:
            with lock:
                i = next(pending, None)
            if i is None:
                break
            body, signature = jobs[i]
            began = time.perf_counter()
            try:
                response = session.post(
                    url, data=body, headers={**HEADERS, "Signature": signature}, timeout=60
                )
            except requests.RequestException:
                mine_errors += 1
                continue
            mine.append(time.perf_counter() - began)
            mine_answers[response.status_code] = mine_answers.get(response.status_code, 0) + 1
            if response.status_code != 200:
                mine_errors += 1
        session.close()
        with lock:
            latencies.extend(mine)
            errors += mine_errors
            for status, count in mine_answers.items():
                answers[status] = answers.get(status, 0) + count

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    return Result(time.perf_counter() - began, latencies, errors, answers, time.process_time() - cpu)


def stored_since(last_pk: int) -> tuple[int, int, int]:
    """Callbacks stored after `last_pk`: (signed ones stored, applied, that changed a purchase)."""
    from django.db import connection
    from django.db.models import Count, Q

    from purchases.models import WebhookEvent

    counts = WebhookEvent.objects.filter(pk__gt=last_pk).aggregate(
        stored=Count("pk", filter=Q(valid=True)),
        applied=Count("pk", filter=Q(processed=True)),
        changed=Count("pk", filter=Q(changed=True)),
    )
    connection.close()
    return counts["stored"], counts["applied"], counts["changed"]


def drain() -> tuple[float, int]:
    """Apply every stored callback, as the task cluster's drain would: (seconds, callbacks claimed)."""
    from django.db import connection

    from purchases.services.callback_drain import callbacks_apply_pending

    began = time.perf_counter()
    report = callbacks_apply_pending()
    seconds = time.perf_counter() - began
    connection.close()
    return seconds, report.claimed


def last_event_pk() -> int:
    from django.db import connection

    from purchases.models import WebhookEvent

    pk = WebhookEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.close()  # no connection of ours is open (or holds a SQLite lock) while the servers work
    return pk


def cpu_ms(result: Result) -> str:
    server = "?" if result.server_cpu is None else f"{result.server_cpu / result.requests * 1000:.2f}"
    return f"CPU/req: workers {server} ms, client {result.client_cpu / result.requests * 1000:.2f} ms"


def line(label: str, result: Result) -> str:
    return (
        f"{label:<6} {result.rate:7.0f} req/s  p50 {result.percentile(0.5):6.1f} ms  "
        f"p99 {result.percentile(0.99):6.1f} ms  errors {result.errors}  {cpu_ms(result)}"
    )


def main() -> None:
    django_on_scratch_db("callbacks")
    logging.getLogger("django-q").setLevel(logging.WARNING)  # the drain enqueues lookups: not one line each
    from django.db import connection

    vendor, database_url = connection.vendor, os.environ["DATABASE_URL"]
    production = {
        **os.environ,
        "DEBUG": "False",
        "TESTING": "false",
        "SECRET_KEY": "bench-" + hashlib.sha256(os.urandom(32)).hexdigest(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "SKINSBACK_WEBHOOK_SECRET": SECRET,
        "LOG_FORMAT": "json",
    }
    warm = open_purchases("cbw", WARMUP * CONCURRENCY, first_buy_id=10**8)
    runs = [open_purchases(f"cb{r}", PURCHASES, first_buy_id=(r + 1) * 10**6) for r in range(REPEATS)]
    plans = [jobs_for(purchases, N) for purchases in runs]
    warmup = jobs_for(warm, WARMUP * CONCURRENCY)
    replays = sum(1 for i in range(N) if i % REPLAY_EVERY == REPLAY_EVERY - 1 and i >= REPLAY_LAG)
    connection.close()

    print(
        f"callback intake on {vendor}: {N:,} signed SkinsBack callbacks per run ({replays} replays) to "
        f"{PURCHASES:,} open purchases, {CONCURRENCY} clients, gunicorn --workers {WORKERS}, "
        f"{REPEATS} repeats interleaved",
        flush=True,
    )
    servers: list[Gunicorn] = []
    try:
        ours = Gunicorn("ours", "backoffice.wsgi", env=production, cwd=ROOT)
        servers.append(ours)
        naive = Gunicorn("naive", "_naive_receiver", env=production, cwd=ROOT / "bench")
        servers.append(naive)
        for server in servers:
            server.wait()
            load(server.url, warmup, CONCURRENCY)
        drain()  # the warm-up's callbacks

        results: dict[str, list[Result]] = {"ours": [], "naive": []}
        stored_total = applied_total = changed_total = 0
        drained, drain_seconds = 0, 0.0
        for repeat, plan in enumerate(plans, start=1):
            order = [ours, naive] if repeat % 2 else [naive, ours]
            for server in order:
                before = last_event_pk() if server is ours else 0
                cpu = server.cpu_seconds()
                result = load(server.url, plan, CONCURRENCY)
                after = server.cpu_seconds()
                result.server_cpu = after - cpu if cpu is not None and after is not None else None
                results[server.name].append(result)
                note = ""
                if server is ours:
                    seconds, claimed = drain()  # not timed: after the run, before the next server's
                    drained, drain_seconds = drained + claimed, drain_seconds + seconds
                    stored, applied, changed = stored_since(before)
                    stored_total, applied_total = stored_total + stored, applied_total + applied
                    changed_total += changed
                    note = (
                        f"  stored {stored:,} of {N:,}; applied {applied:,} of {stored:,}, drain took "
                        f"{seconds:.2f} s, {claimed / seconds:,.0f} callbacks/s; changed {changed:,}"
                    )
                if set(result.answers) - {200}:
                    note += f"  answers {dict(sorted(result.answers.items()))}"
                print(f"run {repeat}  {line(server.name, result)}{note}", flush=True)
    finally:
        for server in servers:
            server.stop()

    print(f"\nmedians of {REPEATS} runs ({N:,} callbacks each, {CONCURRENCY} clients):")
    median = {}
    for name, rows in results.items():
        median[name] = statistics.median(r.rate for r in rows)
        p50 = statistics.median(r.percentile(0.5) for r in rows)
        p99 = statistics.median(r.percentile(0.99) for r in rows)
        errors = sum(r.errors for r in rows)
        known = [r.server_cpu / r.requests * 1000 for r in rows if r.server_cpu is not None]
        server = f"{statistics.median(known):.2f}" if known else "?"
        client = statistics.median(r.client_cpu / r.requests * 1000 for r in rows)
        print(
            f"  {name:<6} {median[name]:7.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  errors {errors}  "
            f"CPU/req: workers {server} ms, client {client:.2f} ms"
        )
    total = N * REPEATS
    lost = "none lost" if stored_total == total else f"{total - stored_total:,} LOST"
    print(
        f"  ours stored: {stored_total:,} of {total:,} ({lost}); naive stored: 0 (stores nothing)\n"
        f"  ours applied {applied_total:,} of {stored_total:,} (changed a purchase {changed_total:,}), "
        f"drain took {drain_seconds:.2f} s, {drained / drain_seconds:,.0f} callbacks/s"
    )
    ratio = median["ours"] / median["naive"]
    verdict = "met" if ratio >= GOAL else "NOT met"
    print(f"  ratio ours / naive: {ratio:.2f} (goal ≥ {GOAL}: {verdict})")
    print(f"  server logs: {ours.log}, {naive.log}")


if __name__ == "__main__":
    main()
