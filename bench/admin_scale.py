"""Every admin page at 100,000 or 1,000,000 purchases on PostgreSQL, ours and a naive admin side by side.

    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/backoffice_bench python bench/admin_scale.py
    BENCH_ADMIN_N=100000 DATABASE_URL=... python bench/admin_scale.py

Loads N purchases, N/10 Steam users, and N purchase events, provider calls and callbacks (once per size,
into `<database>_<N>`, created if missing; `--reload` loads again), then walks the admin's pages: every
changelist unfiltered, with a filter and with a search, change pages, the dashboard and the find page. Each
page is asked for by a superuser, ours and the naive admin's (bench/_admin_naive.py) interleaved, and the
median of RUNS is printed with our query count and slowest query. `--explain` prints the plans of our
dashboard's and list's queries. Goal: every page under 150 ms, unfiltered pages the same at 100k and 1M.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import django
import psycopg
from _setup import ROOT  # noqa: F401  (puts the project on sys.path)
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from psycopg import sql

N = int(os.environ.get("BENCH_ADMIN_N", "1000000"))
RUNS = int(os.environ.get("BENCH_ADMIN_RUNS", "7"))
GOAL_MS = 150


def bench_database_url() -> str | None:
    """DATABASE_URL, renamed to this size's bench database; None when it is not PostgreSQL."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        return None
    name = parts.path.lstrip("/") or "backoffice"
    if "bench" not in name:
        name += "_bench"
    return urlunsplit(parts._replace(path=f"/{name}_{N}"))


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
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


def client() -> Client:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.utils import timezone

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    # the dashboard's provider health, as a probe a minute ago left it: no provider is asked here
    rows = [
        {
            "code": c,
            "name": c,
            "checked_at": timezone.now(),
            "balance": None,
            "balance_problem": "",
            "status": "up",
        }
        for c in ("skinsback", "skinify")
    ]
    cache.set("backoffice:dashboard:providers", rows, 24 * 3600)
    browser = Client()
    browser.force_login(user)
    return browser


def pages() -> list[tuple[str, str, str | None]]:
    """(label, our URL, the naive admin's URL or None)."""
    from purchases.models import ProviderCall, Purchase, WebhookEvent

    sample = Purchase.objects.filter(state="delivered").order_by("-id").select_related("steam_user")[5000]
    cid, sid = sample.custom_id, sample.steam_user.steam_id
    call = ProviderCall.objects.order_by("-id").values_list("pk", flat=True)[5000]
    hook = WebhookEvent.objects.order_by("-id").values_list("pk", flat=True)[5000]
    rows: list[tuple[str, str, str | None]] = [("dashboard (admin index)", "/admin/", None)]
    for model, extra in (
        (
            "purchase",
            ["?state__exact=in_progress", "?state__exact=delivered", f"?q={cid}", f"?q={sid}", "?p=100"],
        ),
        ("steamuser", [f"?q={sid}"]),
        ("purchaseevent", ["?new_state__exact=delivered", f"?q={cid}"]),
        ("providercall", ["?method=market_getinfo", "?outcome=timeout", f"?q={cid}"]),
        ("webhookevent", ["?valid__exact=1", f"?q={cid}"]),
        ("item", []),
    ):
        for query in ["", *extra]:
            ours = f"/admin/purchases/{model}/{query}"
            naive = f"/naive-admin/purchases/{model}/{_naive_query(model, query)}"
            rows.append((f"{model} list {query or '(unfiltered)'}", ours, naive))
    rows.append(("purchase list ?attention=yes", "/admin/purchases/purchase/?attention=yes", None))
    for model, pk in (("purchase", sample.pk), ("steamuser", sample.steam_user_id), ("providercall", call)):
        rows.append((f"{model} change page", f"/admin/purchases/{model}/{pk}/change/", None))
        rows[-1] = (*rows[-1][:2], f"/naive-admin/purchases/{model}/{pk}/change/")
    rows.append(("webhookevent change page", f"/admin/purchases/webhookevent/{hook}/change/", None))
    rows.append(("find page ?q=<custom_id>", f"/admin/purchases/purchase/find/?q={cid}", None))
    return rows


def _naive_query(model: str, query: str) -> str:
    # the naive filters are the stock ones: the same parameters except the two ours names itself
    return query.replace("?method=", "?method__exact=").replace("?outcome=", "?outcome__exact=")


def timed(browser: Client, url: str) -> float:
    started = time.perf_counter()
    response = browser.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code in (200, 302), (url, response.status_code)  # find: straight to the purchase
    return elapsed


def queries(browser: Client, url: str) -> tuple[int, float, str]:
    executed: list[tuple[float, str]] = []

    def record(execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            executed.append(((time.perf_counter() - started) * 1000, sql_text))

    with connection.execute_wrapper(record):
        browser.get(url)
    slowest_ms, slowest_sql = max(executed)
    return len(executed), slowest_ms, " ".join(slowest_sql.split())[:50]


def report(browser: Client) -> None:
    print(
        f"\nadmin pages, {N:,} purchases, median of {RUNS} interleaved, DEBUG={settings.DEBUG}, "
        f"goal < {GOAL_MS} ms"
    )
    print(f"  {'page':<44} {'ours':>8} {'naive':>8}  {'q':>2}  slowest query of ours")
    for label, ours, naive in pages():
        mine, theirs = [], []
        timed(browser, ours)
        if naive:
            timed(browser, naive)
        for _ in range(RUNS):
            mine.append(timed(browser, ours))
            if naive:
                theirs.append(timed(browser, naive))
        count, slow_ms, slow_sql = queries(browser, ours)
        naive_text = f"{statistics.median(theirs):6.1f}ms" if theirs else "       —"
        flag = "" if statistics.median(mine) < GOAL_MS else " OVER"
        print(
            f"  {label:<44} {statistics.median(mine):6.1f}ms {naive_text}  {count:2}  "
            f"{slow_ms:5.1f} ms {slow_sql}…{flag}"
        )
    naive_counts()


def naive_counts() -> None:
    from _admin_naive import naive_state_counts_sql

    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(naive_state_counts_sql())
        times.append((time.perf_counter() - started) * 1000)
    print(
        "  (a naive dashboard's per-state GROUP BY over every purchase alone: "
        f"{statistics.median(times):.1f} ms)"
    )


def explain() -> None:
    from django.test.utils import CaptureQueriesContext

    from purchases.dashboard import dashboard

    with CaptureQueriesContext(connection) as ctx:
        dashboard()
    for captured in ctx.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + captured["sql"])
            print(f"\n-- {captured['sql'][:100]}\n" + "\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="truncate and load the rows again")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the dashboard's queries")
    args = parser.parse_args()
    url = bench_database_url()
    if url is None:
        print("admin_scale: skipped; set DATABASE_URL to a PostgreSQL database (see the docstring)")
        return
    ensure_database(url)
    setup_django(url)
    from _admin_data import ensure_data
    from _admin_naive import install

    ensure_data(N, args.reload)
    install()
    report(client())
    if args.explain:
        explain()


if __name__ == "__main__":
    sys.exit(main())
