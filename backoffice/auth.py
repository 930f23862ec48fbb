"""Admin login throttling: at most LOGIN_THROTTLE_ATTEMPTS password checks per username and per client
address within LOGIN_THROTTLE_WINDOW seconds; past that the form answers "too many attempts, try again in
N minutes" without checking the password.

Wired as `BackofficeAdminSite.login_form` (backoffice/admin.py); the second factor, when one is asked,
comes after it (backoffice/second_factor.py). Each attempt first takes a slot, atomically
(backoffice/counters.py: one `incr` in the shared cache), and only an attempt whose slot is within the
limit checks the password: 40 simultaneous logins get at most 5 checks, never "5 plus whoever read the
count before it was written". A wrong password keeps its slot (a failure); a right one gives the
address's slot back and forgets the username's failures. A key's window opens at its first attempt.
Settings: LOGIN_THROTTLE_ATTEMPTS (5), LOGIN_THROTTLE_WINDOW (900 s), LOGIN_THROTTLE_PROXY_HOPS (reverse
proxies that append to X-Forwarded-For in front of the web process; 0: the client address is REMOTE_ADDR).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterable

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from backoffice import counters

log = logging.getLogger(__name__)

TOO_MANY = "Too many failed login attempts. Try again in %(minutes)d minute(s)."
CACHE_PREFIX = "login-attempts"


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


def forget(keys: Iterable[str]) -> None:
    """Lift a block early (README: operations) or after a successful login."""
    for key in keys:
        counters.forget(key)


class LoginThrottle:
    """One login attempt's slots: `take()` before the password is checked, then `failed()` or `passed()`."""

    def __init__(self, username: str, request: HttpRequest | None) -> None:
        self.ip = client_ip(request)
        self.keys = throttle_keys(username, self.ip)
        self.taken: list[tuple[str, counters.Hit]] = []

    def take(self) -> None:
        """Count this attempt against every key; refuse (giving the slots back) when one is over the limit."""
        at = now()
        self.taken = [(key, counters.hit(key, at, window())) for key in self.keys]
        over = [taken for _, taken in self.taken if taken.count > attempts_allowed()]
        if over:
            self._give_back()
            wait = max(taken.seconds_left(at, window()) for taken in over)
            # the username is not logged: people type their password into it by mistake
            log.warning("admin login throttled for a username or address (%s)", self.ip or "unknown address")
            raise ValidationError(
                TOO_MANY, code="throttled", params={"minutes": max(1, math.ceil(wait / 60))}
            )

    def failed(self) -> None:
        self.taken = []  # the slots stay taken: they are the failures

    def passed(self) -> None:
        self._give_back()
        user_keys = [key for key in self.keys if ":user:" in key]
        forget(user_keys)

    def _give_back(self) -> None:
        for key, taken in self.taken:
            counters.release(key, taken)
        self.taken = []


class ThrottledAuthenticationForm(AdminAuthenticationForm):
    """The admin login form; the password is checked only within the throttle's limit."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": TOO_MANY}

    def clean(self) -> dict:
        throttle = LoginThrottle(self.cleaned_data.get("username") or "", self.request)
        throttle.take()
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.failed()
            raise
        throttle.passed()
        return cleaned
