"""Benchmark: the inventory page with 1,000 items, once the provider has answered (target < 300 ms).

Standalone: `python bench/inventory_page.py [--items N] [--runs N]`. No server, no network: an in-memory
SQLite database (migrated here), a local-memory cache, and a stub provider that answers at once. Prints
the median of several runs for the whole request (middleware, auth, cache write, render) with a fresh
answer, the same from the cache, and the template render alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
os.environ.setdefault("CACHE_URL", "locmemcache://")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("TESTING", "true")  # plain static storage: no collectstatic manifest needed

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic needed here

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import Client  # noqa: E402

from inventory import services  # noqa: E402
from inventory.listing import build_listing  # noqa: E402
from purchases.models import SteamUser  # noqa: E402
from purchases.providers.base import Inventory, InventoryItem, Provider  # noqa: E402

TARGET_MS = 300.0
STEAM_ID = "76561198050648523"
TRADE_URL = "https://steamcommunity.com/tradeoffer/new/?partner=90382795&token=Ab12Cd34"


class StubProvider(Provider):
    code = "skinsback"

    def __init__(self, inventory: Inventory) -> None:
        self.answer = inventory

    def inventory(self, **kwargs: object) -> Inventory:
        return self.answer


def fake_inventory(count: int) -> Inventory:
    items = [
        InventoryItem(
            asset_id=str(7040881650018000000 + n),
            name=f"AK-47 | Redline #{n:04d} (Field-Tested)",
            price=Decimal(n % 97) + Decimal("0.07"),
            price_local=Decimal(n % 97) * 92 + Decimal("6.49"),
            multiplied_price_local=Decimal(n % 97) * 184 + Decimal("12.98"),
            tradable=n % 13 != 0,
            disabled=n % 5 == 0,
            app_id="730",
            icon_url=f"-9a81dlWLwJ2UUGcVs_nsVtzdOEdtWwKGZZLQHTxDZ7I56KU0Zwwo4NUX4oFJZEHLbXH5ApeO4YmlhxYQknCRvCo04DEVlxkKgpot7HxfDhjxszJemkV0966m4-PhOf7Ia{n}",
            class_id=str(310776000 + n),
            stickers=[{"name": "Sticker | Titan (Holo) | Katowice 2014"}] if n % 7 == 0 else [],
        )
        for n in range(count)
    ]
    return Inventory(items=items, currency_local="rub")


def median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm up: template loading and compilation are not what is measured
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def setup(count: int) -> tuple[Client, SteamUser, Inventory]:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)  # used when CACHE_URL=dbcache://django_cache
    admin = get_user_model().objects.create_superuser("bench", password="bench-pw")
    steam_user = SteamUser.objects.create(steam_id=STEAM_ID, trade_url=TRADE_URL, display_name="Bench User")
    inventory = fake_inventory(count)
    services.get_provider = lambda code: StubProvider(inventory)  # the seam the tests use too
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    return client, steam_user, inventory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    client, steam_user, inventory = setup(args.items)
    url = f"/admin/inventory/{STEAM_ID}/"

    def page(query: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(url + query, secure=True)  # DEBUG off: plain HTTP would be redirected
            assert response.status_code == 200 and response.content.count(b'class="inv-card') == args.items
            return response

        return get

    def template_only() -> str:
        # what inventory.views._load adds to the context (the page's money filters need the currency)
        listing = build_listing(inventory.items, currency=inventory.currency_local)
        context = {
            "steam_user": steam_user,
            "listing": listing,
            "currency": inventory.currency_local.upper(),
            "currency_note": "",
        }
        return render_to_string("admin/inventory/inventory.html", context)

    fresh = median_ms(page("?refresh=1"), args.runs)
    cached = median_ms(page(""), args.runs)
    render = median_ms(template_only, args.runs)
    print(f"inventory page, {args.items} items, median of {args.runs} runs:")
    print(f"  request, provider just answered (cache write): {fresh:7.1f} ms")
    print(f"  request, answer from the cache:                {cached:7.1f} ms")
    print(f"  listing + template render only:                {render:7.1f} ms")
    verdict = "within" if fresh < TARGET_MS else "OVER"
    print(f"  target {TARGET_MS:.0f} ms: {verdict} (ratio {fresh / TARGET_MS:.2f})")
    return 0 if fresh < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
