"""Loading a Steam user's inventory from a provider, with a short cache.

The only code here that talks to a provider. It runs outside any DB transaction (the page view and the
command are not atomic), so a slow provider never holds a lock. Only successful answers are cached:
an error must be seen again on the next try, not replayed for two minutes.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from purchases.models import SteamUser
from purchases.providers import get_provider
from purchases.providers.base import Inventory, ProviderError

logger = logging.getLogger("inventory")

#: seconds a provider's answer is reused; long enough for sorting and filtering clicks, short enough
#: that a support agent who asked the user to change something sees it after a Refresh at the latest
DEFAULT_CACHE_SECONDS = 120
CACHE_VERSION = "v1"


@dataclass(frozen=True)
class InventoryOptions:
    """What is asked of the provider. Everything that changes the answer is in here (and the cache key)."""

    provider: str
    game: str
    currency: str | None = None
    multiplier: Decimal | None = None
    custom_currency: str | None = None
    rate: Decimal | None = None

    def provider_arguments(self) -> dict[str, Any]:
        """What `Provider.inventory` is given besides the user: every option but the provider."""
        return {name: getattr(self, name) for name in REQUEST_OPTIONS if name != "provider"}


#: the one list of the inventory request's parameters (the form and the command take theirs from it)
REQUEST_OPTIONS: tuple[str, ...] = tuple(field.name for field in fields(InventoryOptions))


@dataclass(frozen=True)
class LoadedInventory:
    inventory: Inventory
    fetched_at: datetime
    from_cache: bool


def fetch_inventory(
    *, steam_user: SteamUser, options: InventoryOptions, refresh: bool = False
) -> LoadedInventory:
    """The user's inventory (cached briefly; `refresh` asks anew), when it was fetched and whether
    it came from the cache."""
    key = cache_key(steam_user, options)
    if not refresh:
        cached = _cache_get(key)
        if cached is not None:
            fetched_at, inventory = cached
            return LoadedInventory(inventory=inventory, fetched_at=fetched_at, from_cache=True)
    inventory = _ask_provider(steam_user, options)
    fetched_at = timezone.now()
    _cache_set(key, (fetched_at, inventory))
    return LoadedInventory(inventory=inventory, fetched_at=fetched_at, from_cache=False)


def _ask_provider(steam_user: SteamUser, options: InventoryOptions) -> Inventory:
    try:
        return get_provider(options.provider).inventory(
            steam_id=steam_user.steam_id,
            token=steam_user.token,
            **options.provider_arguments(),  # `game` is our id; each client maps it (Skinify: cs2 -> csgo)
        )
    except ProviderError as err:
        # the error's text never carries a secret (providers/base.py), so it can be logged as is
        logger.warning(
            "inventory of %s (%s) via %s failed: %s: %s",
            steam_user.steam_id,
            options.game,
            options.provider,
            type(err).__name__,
            err,
        )
        raise


def cache_key(steam_user: SteamUser, options: InventoryOptions) -> str:
    """One key per (provider, steam id, game, currency options). The token is in it, hashed, so a
    new trade URL is never answered from a cache filled with the old one."""
    options_parts = [_key_part(value) for value in options.provider_arguments().values()]
    parts = [options.provider, steam_user.steam_id, *options_parts, steam_user.token]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"inventory:{CACHE_VERSION}:{options.provider}:{steam_user.steam_id}:{digest}"


def _key_part(value: str | Decimal | None) -> str:
    if isinstance(value, Decimal):
        return _decimal_key(value)
    return value or ""


def _decimal_key(value: Decimal | None) -> str:
    # 1, 1.0 and 1.00 ask the provider the same thing: one cache entry
    return "" if value is None else format(value.normalize(), "f")


def _cache_seconds() -> int:
    return int(getattr(settings, "INVENTORY_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


def _cache_get(key: str) -> Any:
    # a broken cache must not hide a working provider: log it and ask the provider instead
    try:
        return cache.get(key)
    except Exception:
        logger.warning("inventory cache read failed", exc_info=True)
        return None


def _cache_set(key: str, value: Any) -> None:
    try:
        cache.set(key, value, _cache_seconds())
    except Exception:
        logger.warning("inventory cache write failed", exc_info=True)
