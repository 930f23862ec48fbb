"""Admin login throttling: after too many failed logins for one username or from one client address, the
login form answers "too many attempts, try again in N minutes" without checking the password.

Wired as `BackofficeAdminSite.login_form` in `backoffice/admin.py`: the admin's own
login view and template stay; only the form's `clean()` changes. Failures are kept in Django's cache (the
database cache or Redis, shared by every web process) as a list of timestamps per key, so the window
slides: a failure counts for `LOGIN_THROTTLE_WINDOW` seconds after it happened. A successful login
forgets the username's failures (not the address's). Settings: `LOGIN_THROTTLE_ATTEMPTS` (5),
`LOGIN_THROTTLE_WINDOW` (900 s), `LOGIN_THROTTLE_PROXY_HOPS` (reverse proxies that append to
X-Forwarded-For in front of the web process; 0 means the client address is REMOTE_ADDR).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterable

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest

log = logging.getLogger(__name__)

TOO_MANY = "Too many failed login attempts. Try again in %(minutes)d minute(s)."
CACHE_PREFIX = "login-failures"


def now() -> float:
    return time.time()


def attempts_allowed() -> int:
    return int(getattr(settings, "LOGIN_THROTTLE_ATTEMPTS", 5))


def window() -> float:
    return float(getattr(settings, "LOGIN_THROTTLE_WINDOW", 15 * 60))


def client_ip(request: HttpRequest | None) -> str:
    """The client's address: REMOTE_ADDR, or the entry our own proxies added to X-Forwarded-For."""
    if request is None:
        return ""
    hops = int(getattr(settings, "LOGIN_THROTTLE_PROXY_HOPS", 0))
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if hops > 0 and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def throttle_keys(username: str, ip: str) -> list[str]:
    """Cache keys (hashed: any username is a safe key) for the username and the address."""
    keys = []
    for kind, value in (("user", username.strip().lower()), ("ip", ip)):
        if value:
            digest = hashlib.sha256(value.encode()).hexdigest()[:32]
            keys.append(f"{CACHE_PREFIX}:{kind}:{digest}")
    return keys


def _recent(key: str, at: float) -> list[float]:
    stamps = cache.get(key) or []
    return [t for t in stamps if isinstance(t, int | float) and at - window() < t <= at]


def seconds_blocked(keys: Iterable[str]) -> float:
    """How long until a login may be tried again (0: it may be tried now)."""
    at = now()
    wait = 0.0
    for key in keys:
        recent = sorted(_recent(key, at))
        if len(recent) >= attempts_allowed():
            # blocked until enough failures have aged out to fall below the limit
            wait = max(wait, recent[-attempts_allowed()] + window() - at)
    return wait


def record_failure(keys: Iterable[str]) -> None:
    at = now()
    for key in keys:
        cache.set(key, [*_recent(key, at), at], timeout=math.ceil(window()) + 1)


def forget(keys: Iterable[str]) -> None:
    cache.delete_many(list(keys))


class ThrottledAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, refusing without checking the password while a key is throttled."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": TOO_MANY}

    def clean(self) -> dict:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        keys = throttle_keys(username, ip)
        wait = seconds_blocked(keys)
        if wait > 0:
            # the username is not logged: people type their password into it by mistake
            log.warning("admin login throttled for a username or address (%s)", ip or "unknown address")
            minutes = max(1, math.ceil(wait / 60))
            raise ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": minutes}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failure(keys)
            raise
        forget(keys[:1] if username else [])
        return cleaned
