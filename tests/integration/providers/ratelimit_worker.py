"""A separate process for test_rate_limit_processes: `n` SkinsBack balance calls through a RateLimiter
on a database cache shared with the other workers. Prints the outcomes as JSON.

    python ratelimit_worker.py DB_PATH setup
    python ratelimit_worker.py DB_PATH URL PER_WINDOW WINDOW N
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the project root


def configure(db_path: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path, "OPTIONS": {"timeout": 30}}
        },
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "provider_rate_cache",
                "OPTIONS": {"MAX_ENTRIES": 100_000},
            }
        },
        USE_TZ=True,
        INSTALLED_APPS=[],
    )
    django.setup()


def run(url: str, per_window: int, window: float, n: int) -> list[str]:
    from purchases.providers import ProviderError, RateLimiter, SkinsBackProvider, Transport

    limiter = RateLimiter("skinsback", per_window, window=window, buckets=4) if per_window else None
    transport = Transport("skinsback", limiter=limiter, read_retries=0)
    provider = SkinsBackProvider(
        api_url=url, client_id="sandbox", client_secret="sandbox-secret", transport=transport
    )
    outcomes = []
    for _ in range(n):
        try:
            provider.balance()
            outcomes.append("ok")
        except ProviderError as err:
            outcomes.append(type(err).__name__)
    return outcomes


if __name__ == "__main__":
    configure(sys.argv[1])
    if sys.argv[2] == "setup":
        from django.core.management import call_command

        call_command("createcachetable", verbosity=0)
    else:
        print(json.dumps(run(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))))
