"""The purchase admin with 1,000,000 purchases on PostgreSQL: page times against the 300 ms goal.

    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/backoffice_bench python bench/admin_scale.py

Loads 10,000 Steam users and 1,000,000 purchases over 180 days with COPY (once: a re-run reuses them;
`--reload` truncates and loads again), runs VACUUM ANALYZE, then times each admin page (median of 5,
logged in as a superuser) and counts its SQL queries. `--explain` prints the plans of the main queries.
The data goes into a database whose name contains "bench" (`<name>_bench` otherwise), created if missing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from urllib.parse import urlsplit, urlunsplit

import django
import psycopg
from _setup import ROOT  # noqa: F401  (puts the project on sys.path)
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from psycopg import sql

N = int(os.environ.get("BENCH_ADMIN_N", "1000000"))
USERS = 10_000
DAYS = 180
RUNS = 5
GOAL_MS = 300
#: finished purchases by share; the open ones are placed separately, among the most recent rows
FINAL_WEIGHTS = {"delivered": 80, "failed": 13, "rejected": 5, "reverted": 2}
#: state: (how many, within the last ... of the 180 days)
OPEN_QUOTA = {
    "on_hold": (2500, timedelta(days=8)),
    "in_progress": (1000, timedelta(days=1)),
    "unconfirmed": (200, timedelta(days=7)),
    "pending": (20, timedelta(hours=1)),
}
FLAGGED = 300
TRADE_URL = "https://steamcommunity.com/tradeoffer/new/"
HISTORY = ("", "pending", "in_progress", "on_hold", "delivered")
WEAPONS = ("AK-47", "AWP", "M4A1-S", "USP-S", "Glock-18", "Desert Eagle")
ITEMS = [
    f"{w} | {s} (Field-Tested)" for w in WEAPONS for s in ("Redline", "Asiimov", "Neo-Noir", "Printstream")
]
STATUS = {
    "delivered": "accepted",
    "failed": "canceled",
    "reverted": "rollback_user",
    "on_hold": "accepted",
    "in_progress": "waiting_accept",
    "rejected": "",
    "unconfirmed": "",
    "pending": "",
}
COLUMNS = (
    "provider, custom_id, buy_id, steam_user_id, item_name, game, max_price, price, balance_debited, state, "
    "provider_status, error_code, error_reason, in_hold, hold_until, trade_offer_id, imported, "
    "needs_attention, attention_reason, sent_at, last_synced_at, raw, created_at, updated_at"
)


def bench_database_url() -> str | None:
    """DATABASE_URL, renamed to a bench database; None when it is not PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        return None
    name = parts.path.lstrip("/") or "backoffice"
    if "bench" not in name:
        name += "_bench"
    return urlunsplit(parts._replace(path="/" + name))


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ.setdefault("TESTING", "false")
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


def ensure_data(reload: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM purchases_purchase")
        have = cursor.fetchone()[0]
    if have == N and not reload:
        print(f"reusing {have:,} purchases (--reload to load them again)")
        return
    started = time.perf_counter()
    load()
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) purchases_steamuser, purchases_purchase, purchases_purchaseevent")
    print(
        f"loaded {USERS:,} Steam users and {N:,} purchases in {loaded:.1f} s "
        f"(+ VACUUM ANALYZE {time.perf_counter() - started - loaded:.1f} s)"
    )


def load() -> None:
    from purchases.validators import STEAM_ID64_BASE

    rng = random.Random(1)
    now = datetime.now(UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE purchases_purchase, purchases_steamuser RESTART IDENTITY CASCADE")
        with cursor.copy(
            "COPY purchases_steamuser (steam_id, trade_url, partner, token, display_name, note, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            for k in range(USERS):
                sid, token = 76561198000000000 + k, f"{rng.getrandbits(40):010x}"[:8]
                url = f"{TRADE_URL}?partner={sid - STEAM_ID64_BASE}&token={token}"
                at = (now - timedelta(days=DAYS + 30)).isoformat()
                copy.write_row((str(sid), url, str(sid - STEAM_ID64_BASE), token, f"user {k}", "", at, at))
        cursor.execute("SELECT min(id) FROM purchases_steamuser")
        first_user = cursor.fetchone()[0]
        with cursor.copy(f"COPY purchases_purchase ({COLUMNS}) FROM STDIN") as copy:
            lines = purchase_lines(rng, now, first_user)
            while chunk := "".join(line for _, line in zip(range(20_000), lines, strict=False)):
                copy.write(chunk)


def open_rows(rng: random.Random) -> dict[int, str]:
    """Row number -> open state, among the rows created within each state's recent window."""
    rows: dict[int, str] = {}
    for state, (count, window) in OPEN_QUOTA.items():
        first = N - max(int(N * window / timedelta(days=DAYS)), count)
        rows.update((i, state) for i in rng.sample(range(first, N), count))
    return rows


def purchase_lines(rng: random.Random, now: datetime, first_user: int):
    """One COPY text line per purchase, oldest first (ids grow with created_at, as in production)."""
    start, step = (now - timedelta(days=DAYS)).timestamp(), DAYS * 86400 / N
    opened, flagged = open_rows(rng), set(rng.sample(range(N), FLAGGED))
    finals, weights = list(FINAL_WEIGHTS), list(FINAL_WEIGHTS.values())
    states = rng.choices(finals, weights, k=N)
    for i in range(N):
        state = opened.get(i, states[i])
        created = start + i * step + rng.random() * step
        yield purchase_line(i, state, created, rng, first_user + rng.randrange(USERS), i in flagged)


def usd(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def purchase_line(i: int, state: str, created: float, rng: random.Random, user: int, flag: bool) -> str:
    def at(seconds: float) -> str:
        return datetime.fromtimestamp(seconds, UTC).isoformat()

    cents = rng.randrange(50, 200_000)  # money as exact decimal strings, never through a float
    bought = state not in ("pending", "unconfirmed", "rejected")
    price = usd(cents * 95 // 100) if bought else r"\N"
    synced = at(created + 600) if state != "pending" else r"\N"
    error = ("insufficient_funds", "Not enough balance") if state == "rejected" else ("", "")
    fields = (
        "skinify" if i % 10 < 3 else "skinsback",
        f"bo-{rng.getrandbits(80):020x}",
        str(130_000_000 + i) if bought else r"\N",
        str(user),
        ITEMS[i % len(ITEMS)],
        "cs2",
        usd(cents),
        price,
        price,
        state,
        STATUS[state],
        *error,
        "t" if state == "on_hold" else "f",
        at(created + 7 * 86400) if state == "on_hold" else r"\N",
        str(6_000_000_000 + i) if bought else r"\N",
        "f",
        "t" if flag else "f",
        "Unknown provider status" if flag else "",
        at(created + 1),
        synced,
        "{}",
        at(created),
        synced if state != "pending" else at(created),
    )
    return "\t".join(fields) + "\n"


def client_and_admin():
    from django.contrib.auth import get_user_model

    from purchases.admin.paginator import EstimatedCountPaginator
    from purchases.models import Purchase

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    model_admin = admin.site._registry[Purchase]
    if model_admin.paginator is not EstimatedCountPaginator:
        print("note: PurchaseAdmin.paginator is not EstimatedCountPaginator yet; the bench sets it")
        model_admin.paginator = EstimatedCountPaginator
    return client, model_admin


def timed(client, url: str) -> tuple[float, int, float, str]:
    """Median wall time (ms) of RUNS requests after one warm-up; queries and the slowest one of a run."""
    executed: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            executed.append(((time.perf_counter() - started) * 1000, sql))

    client.get(url)
    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    slowest_ms, slowest_sql = max(executed)
    return statistics.median(times), len(executed), slowest_ms, " ".join(slowest_sql.split())[:60]


def pages() -> dict[str, str]:
    from purchases.models import Purchase, PurchaseEvent

    base = reverse("admin:purchases_purchase_changelist")
    sample = Purchase.objects.filter(state="delivered").order_by("-id")[5000]
    PurchaseEvent.objects.filter(purchase=sample).delete()
    PurchaseEvent.objects.bulk_create(
        PurchaseEvent(purchase=sample, old_state=a, new_state=b, source="sync") for a, b in pairwise(HISTORY)
    )
    return {
        "unfiltered list": base,
        "state=in_progress": base + "?state__exact=in_progress",
        "search by custom_id": base + f"?q={sample.custom_id}",
        "purchase change page": reverse("admin:purchases_purchase_change", args=[sample.pk]),
        "(extra) needs attention": base + "?attention=yes",
        "(extra) state=delivered (80% of rows)": base + "?state__exact=delivered",
        "(extra) unfiltered, page 100": base + "?p=100",
    }


def report(client, model_admin) -> None:
    print(f"\nadmin pages, {N:,} purchases, median of {RUNS}, DEBUG={settings.DEBUG} (goal < {GOAL_MS} ms):")
    urls = pages()
    for label, url in urls.items():
        show(label, url, *timed(client, url))
    if model_admin.date_hierarchy:
        # its month links come from SELECT DISTINCT date_trunc(...) over every row of the list
        saved, model_admin.date_hierarchy = model_admin.date_hierarchy, None
        for label in ("unfiltered list", "(extra) state=delivered (80% of rows)"):
            show(f"{label}, no date_hierarchy", urls[label], *timed(client, urls[label]))
        model_admin.date_hierarchy = saved
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM purchases_purchase")
    exact = (time.perf_counter() - started) * 1000
    print(f"  an exact COUNT(*) of the table, which the estimated count replaces: {exact:.1f} ms")


def show(label: str, url: str, ms: float, queries: int, slowest_ms: float, slowest_sql: str) -> None:
    verdict = "ok" if ms < GOAL_MS else "OVER"
    print(
        f"  {label:<50} {ms:6.1f} ms {verdict:<4} {queries:2} queries; slowest {slowest_ms:5.1f} ms: "
        f"{slowest_sql}…  {url}"
    )


def explain(model_admin) -> None:
    """EXPLAIN ANALYZE of the list queries, and of the query the status sync really runs."""
    from purchases.models import Purchase
    from purchases.selectors import needing_attention
    from purchases.services.sync import sync_candidates

    sample = Purchase.objects.order_by("-id")[1234]
    listed = Purchase.objects.select_related("steam_user")
    found = model_admin.get_search_results(None, listed, sample.custom_id)[0]
    plans = {
        "unfiltered page": listed[:50].explain(analyze=True),
        "state=in_progress page": listed.filter(state="in_progress")[:50].explain(analyze=True),
        "search by custom_id": found[:50].explain(analyze=True),
        "needs attention page": needing_attention()[:50].explain(analyze=True),
    }
    with CaptureQueriesContext(connection) as ctx:
        sync_candidates()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + ctx.captured_queries[-1]["sql"])
        plans["sync_candidates()"] = "\n".join(row[0] for row in cursor.fetchall())
    for label, plan in plans.items():
        print(f"\n-- {label}\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="truncate and load the purchases again")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the main queries")
    args = parser.parse_args()
    url = bench_database_url()
    if url is None:
        print(
            "admin_scale: skipped; set DATABASE_URL to a PostgreSQL database, e.g.\n"
            "  DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/backoffice_bench "
            "python bench/admin_scale.py"
        )
        return
    ensure_database(url)
    setup_django(url)
    ensure_data(args.reload)
    client, model_admin = client_and_admin()
    report(client, model_admin)
    if args.explain:
        explain(model_admin)


if __name__ == "__main__":
    sys.exit(main())
