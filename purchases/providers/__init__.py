"""Marketplace clients. `get_provider()` builds one from Django settings read at call time; nothing
here reads settings, touches the cache or imports a model at import time."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import requests

from ..status import State
from .base import (
    AuthError,
    Balance,
    BatchBuyResult,
    BuyRequest,
    Callback,
    CatalogEntry,
    HistoryPage,
    InvalidResponse,
    Inventory,
    InventoryItem,
    NotFound,
    NotSupported,
    Provider,
    ProviderError,
    PurchaseInfo,
    RateLimited,
    Rejected,
    ServerStatus,
    Timeout,
    Unavailable,
    UnavailableItem,
)
from .http import CallRecord, Transport, make_session
from .ratelimit import RateLimiter
from .skinify import SkinifyProvider
from .skinsback import SkinsBackProvider

PROVIDERS: dict[str, type[Provider]] = {"skinsback": SkinsBackProvider, "skinify": SkinifyProvider}

__all__ = [
    "PROVIDERS",
    "AuthError",
    "Balance",
    "BatchBuyResult",
    "BuyRequest",
    "CallRecord",
    "Callback",
    "CatalogEntry",
    "HistoryPage",
    "InvalidResponse",
    "Inventory",
    "InventoryItem",
    "NotFound",
    "NotSupported",
    "Provider",
    "ProviderError",
    "PurchaseInfo",
    "RateLimited",
    "RateLimiter",
    "Rejected",
    "ServerStatus",
    "SkinifyProvider",
    "SkinsBackProvider",
    "Timeout",
    "Transport",
    "Unavailable",
    "UnavailableItem",
    "build_transport",
    "get_provider",
    "is_duplicate_custom_id",
    "is_outcome_unknown",
    "provider_class",
    "status_map",
]

_local = threading.local()  # one Session per thread and provider: keep-alive without sharing a Session
_limiters: dict[tuple[str, int], RateLimiter] = {}  # per process: keeps the limiter's bucket memo warm


def provider_class(code: str) -> type[Provider]:
    """The registered class of `code`: what the provider is (status words, games, callbacks, settings)."""
    try:
        return PROVIDERS[code]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown provider {code!r}; known providers: {known}") from None


def status_map(code: str) -> Mapping[str, State]:
    """`code`'s status words and our state for each (empty for a code no provider has): `normalize`'s map."""
    cls = PROVIDERS.get(code)
    return cls.status_map if cls is not None else {}


def get_provider(
    code: str | None = None, *, interactive: bool = False, timeout: tuple[float, float] | None = None
) -> Provider:
    """The client for `code` (default: settings.DEFAULT_PROVIDER), configured from settings.

    `interactive`: somebody waits for the answer (an admin page), so reads get the short
    PROVIDER_INTERACTIVE_TIMEOUT (or `timeout`, as (connect, read) seconds) and no retries instead of
    the background timeouts.
    """
    from django.conf import settings

    cls = provider_class(code or getattr(settings, "DEFAULT_PROVIDER", "skinsback"))
    transport = build_transport(cls.code, **(_interactive_overrides(timeout) if interactive else {}))
    return cls.from_settings(settings, transport=transport)


def is_duplicate_custom_id(err: BaseException) -> bool:
    """True when a buy was refused because its custom_id exists: the purchase must be looked up.

    Judged by the words of the provider that refused (by every provider's words when none is named)."""
    if not isinstance(err, Rejected):
        return False
    classes = [PROVIDERS[err.provider]] if err.provider in PROVIDERS else PROVIDERS.values()
    return any(cls.is_duplicate_custom_id(err.code, err.message) for cls in classes)


def is_outcome_unknown(err: BaseException) -> bool:
    """True when a buy that failed with `err` may have happened: the rule of the provider that raised it
    (`Provider.buy_outcome_unknown`: only a positive refusal, or a request never sent, says no), the one
    the buy task applies. An error of no registered provider: unknown unless it was never sent."""
    if not isinstance(err, ProviderError):
        return False
    cls = PROVIDERS.get(err.provider)
    if cls is None:
        return not err.not_sent
    return cls.buy_outcome_unknown(err)


def _interactive_overrides(timeout: tuple[float, float] | None) -> dict[str, Any]:
    from django.conf import settings

    connect, read = timeout or getattr(settings, "PROVIDER_INTERACTIVE_TIMEOUT", (3.0, 8.0))
    return {"connect_timeout": float(connect), "read_timeout": float(read), "read_retries": 0}


def build_transport(code: str, **overrides: Any) -> Transport:
    """A Transport with the timeouts, retries, shared rate limit and recorder from settings."""
    from django.conf import settings

    options: dict[str, Any] = {
        "session": _session(code),
        "connect_timeout": float(getattr(settings, "PROVIDER_CONNECT_TIMEOUT", 5.0)),
        "read_timeout": float(getattr(settings, "PROVIDER_READ_TIMEOUT", 30.0)),
        "read_retries": int(getattr(settings, "PROVIDER_READ_RETRIES", 3)),
        "limiter": _limiter(code, getattr(settings, "PROVIDER_RATE_LIMITS", {}) or {}),
        "recorder": _recorder(getattr(settings, "PROVIDER_CALL_RECORDER", "") or ""),
    }
    options.update(overrides)
    return Transport(code, **options)


def _session(code: str) -> requests.Session:
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    if code not in sessions:
        sessions[code] = make_session()
    return sessions[code]


def _limiter(code: str, limits: dict[str, int]) -> RateLimiter | None:
    per_minute = int(limits.get(code, PROVIDERS[code].rate_limit_per_minute))
    if per_minute <= 0:
        return None
    key = (code, per_minute)
    if key not in _limiters:
        _limiters[key] = RateLimiter(code, per_minute)
    return _limiters[key]


def _recorder(path: str) -> Any:
    if not path:
        return None
    from django.utils.module_loading import import_string

    return import_string(path)
