"""Marketplace clients. `get_provider()` builds one from Django settings read at call time; nothing
here reads settings, touches the cache or imports a model at import time."""

from __future__ import annotations

import threading
from typing import Any

import requests

from .base import (
    AuthError,
    Balance,
    BatchBuyResult,
    BuyRequest,
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
    is_duplicate_custom_id,
    is_outcome_unknown,
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
]

_local = threading.local()  # one Session per thread and provider: keep-alive without sharing a Session
_limiters: dict[tuple[str, int], RateLimiter] = {}  # per process: keeps the limiter's bucket memo warm


def get_provider(
    code: str | None = None, *, interactive: bool = False, timeout: tuple[float, float] | None = None
) -> Provider:
    """The client for `code` (default: settings.DEFAULT_PROVIDER), configured from settings.

    `interactive`: somebody waits for the answer (an admin page), so reads get the short
    PROVIDER_INTERACTIVE_TIMEOUT (or `timeout`, as (connect, read) seconds) and no retries instead of
    the background timeouts.
    """
    from django.conf import settings

    code = code or getattr(settings, "DEFAULT_PROVIDER", "skinsback")
    if code not in PROVIDERS:
        raise ValueError(f"unknown provider {code!r}; known providers: {', '.join(sorted(PROVIDERS))}")
    transport = build_transport(code, **(_interactive_overrides(timeout) if interactive else {}))
    if code == "skinsback":
        return SkinsBackProvider(
            api_url=settings.SKINSBACK_API_URL,
            client_id=settings.SKINSBACK_CLIENT_ID,
            client_secret=settings.SKINSBACK_CLIENT_SECRET,
            auth=getattr(settings, "SKINSBACK_AUTH", "headers"),
            transport=transport,
        )
    return SkinifyProvider(
        api_url=settings.SKINIFY_API_URL, token=settings.SKINIFY_TOKEN, transport=transport
    )


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
