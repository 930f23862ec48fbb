"""Bulk buy from the admin: the confirmation POST for 500 catalog items (target: well under 2 s).

Standalone: `python bench/bulk_buy.py`. A scratch SQLite file (migrated here), a SandboxServer in this
process, django-q2 in its normal (not sync) mode so the POST only records the purchases and queues the buy
tasks. Prints the time of the POST alone, its SQL queries and provider requests (must be 0), then runs
the queued buy tasks here and prints how many provider requests they made and the resulting states.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter

from _setup import django_on_scratch_db

N = int(os.environ.get("BENCH_BUY_N", "500"))
STEAM_ID = "76561198050648523"
TRADE_URL = "https://steamcommunity.com/tradeoffer/new/?partner=90382795&token=Ab12Cd34"


def main() -> None:
    django_on_scratch_db("bulk_buy")
    from django.conf import settings

    from sandbox.server import SandboxServer

    assert not settings.Q_CLUSTER.get("sync"), "the buy tasks must be queued, not run inside the request"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with SandboxServer(port=0, seed=1, speed=1.0, balance="1000000.00") as sandbox:
        settings.SKINSBACK_API_URL = sandbox.skinsback_url
        settings.SKINSBACK_CLIENT_ID, settings.SKINSBACK_CLIENT_SECRET = "sandbox", "sandbox-secret"
        settings.SKINSBACK_AUTH = "headers"
        settings.DEFAULT_PROVIDER = "skinsback"
        sandbox.state.set_pricelist_size("cs2", 2 * N)
        run(sandbox)


def stale_page(client, url: str, user, items, sandbox) -> None:
    """The same page with every price older than the re-read window: it re-reads up to MAX_READS of
    them at the provider first (prices are put back afterwards, so the POST below sees the same page)."""
    from datetime import timedelta

    from django.utils import timezone

    from purchases.models import Item

    pks = [i.pk for i in items]
    saved = dict(Item.objects.filter(pk__in=pks).values_list("pk", "synced_at"))
    Item.objects.filter(pk__in=pks).update(synced_at=timezone.now() - timedelta(days=3))
    before = sandbox.state.requests["market_search"]
    started = time.perf_counter()
    client.get(url, {"steam_user": user.pk, "items": ",".join(map(str, pks))})
    shown = time.perf_counter() - started
    reads = sandbox.state.requests["market_search"] - before
    print(f"confirmation page, all {N} prices stale: {shown * 1000:.0f} ms, {reads} market_search re-reads")
    for pk, synced_at in saved.items():
        Item.objects.filter(pk=pk).update(synced_at=synced_at)


def run(sandbox) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from purchases.models import Purchase

    client, user, items = setup(sandbox)
    url = reverse("admin:purchases_buy_confirm")
    started = time.perf_counter()
    page = client.get(url, {"steam_user": user.pk, "items": ",".join(str(i.pk) for i in items)})
    shown = time.perf_counter() - started
    data = form_data(page.content.decode(), user.pk, items)
    print(f"confirmation page ({N} items, balance read from the sandbox): {shown * 1000:.0f} ms")
    stale_page(client, url, user, items, sandbox)

    before = sum(sandbox.state.requests.values())
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = (
            profiled(client.post, url, data) if os.environ.get("BENCH_PROFILE") else client.post(url, data)
        )
        took = time.perf_counter() - started
    during = sum(sandbox.state.requests.values()) - before
    assert response.status_code == 302, response.status_code
    assert during == 0, f"{during} provider requests inside the admin request"
    assert Purchase.objects.filter(state="pending").count() == N
    print(
        f"confirm POST: {N} purchases recorded in {took * 1000:.0f} ms (goal: well under 2000 ms), "
        f"{len(queries.captured_queries)} SQL queries, {during} provider requests"
    )

    started = time.perf_counter()
    again = client.post(url, data)
    print(
        f"the same POST again: {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"{Purchase.objects.count() - N} new purchases, redirect {again.status_code}"
    )
    assert isinstance(client, Client) and Purchase.objects.count() == N
    run_queued_tasks(sandbox)


def profiled(call, *args):
    import cProfile
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(call, *args)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return result


def setup(sandbox):
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.utils import timezone

    from purchases.models import Item, SteamUser
    from purchases.roles import setup_roles

    setup_roles()
    operator = get_user_model().objects.create_user("bench.operator", password="bench-pw", is_staff=True)
    operator.groups.add(Group.objects.get(name="Operators"))
    client = Client()
    client.force_login(operator)
    user = SteamUser.objects.create(steam_id=STEAM_ID, trade_url=TRADE_URL, display_name="Bench user")
    listings = (sandbox.state.catalog.listing("skinsback", "cs2", i) for i in range(2 * N))
    on_sale = [x for x in listings if x.available][:N]
    now = timezone.now()
    items = Item.objects.bulk_create(
        Item(
            provider="skinsback",
            provider_item_id=str(x.id),
            name=x.name,
            game="cs2",
            price=Decimal(x.price),
            synced_at=now,  # as a price-list import leaves them: the page does not read them again
        )
        for x in on_sale
    )
    return client, user, items


def form_data(html: str, user_pk: int, items) -> dict:
    """What the browser would submit: the hidden fields and every default max price, as rendered."""
    data = {"steam_user": str(user_pk)}
    for name in ("batch_id", "lines"):
        data[name] = re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
    for name, value in re.findall(r'name="(max_i\d+)" value="([^"]*)"', html):
        data[name] = value
    assert len(data) == 3 + len(items), "the page did not show every item"
    if 'id="bo-below-warning" hidden' not in html:  # lines above the cap: sent anyway, as before
        data["acknowledge"] = "on"
    return data


def run_queued_tasks(sandbox) -> None:
    """Stand in for the cluster: take the queued buy tasks off the ORM broker and run them here."""
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    from purchases.models import Purchase
    from purchases.tasks import send_purchases

    broker = get_broker()
    before = Counter(sandbox.state.requests)
    started = time.perf_counter()
    chunks = 0
    while queued := broker.dequeue():
        for task_id, payload in queued:
            task = SignedPackage.loads(payload)
            send_purchases(*task["args"])
            broker.acknowledge(task_id)
            chunks += 1
    took = time.perf_counter() - started
    made = Counter(sandbox.state.requests) - before
    states = Counter(Purchase.objects.values_list("state", flat=True))
    print(
        f"buy tasks: {chunks} queued chunks run in {took:.2f} s, provider requests {dict(made)}, "
        f"{sum(sandbox.state.buys_recorded.values())} buys recorded by the sandbox"
    )
    print("states after the tasks: " + ", ".join(f"{n} {s}" for s, n in states.most_common()))
    errors = Counter(Purchase.objects.exclude(error_code="").values_list("error_code", flat=True))
    if errors:
        print(
            "provider refusals (SkinsBack codes; 6 = price above the max price): "
            + ", ".join(f"{n} with code {code}" for code, n in errors.most_common())
        )


if __name__ == "__main__":
    main()
