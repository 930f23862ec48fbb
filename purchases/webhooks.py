"""`/webhooks/<provider>/`: the providers' callbacks. The only CSRF-exempt view; it checks a signature.

The signature is checked first. A signed callback is stored whole (one INSERT) and answered 2xx at once;
the drain (services/callback_drain.py) applies it in the background, in the order received and exactly
once. `callback_drain.stored` sees that a drain task follows (at most one per short window; a schedule
every minute is the safety net). The route is served without the session, auth and OTP middleware
(backoffice/wsgi.py). An unsigned or wrongly signed request is kept only as much as debugging it needs:
the non-secret headers, its size, the SHA-256 of the body and the body's first 2 KB. A client address
that keeps sending bad ones (more than WEBHOOK_BAD_LIMIT within WEBHOOK_BAD_WINDOW seconds) gets 429 and
nothing is stored: the count is an atomic increment in the shared cache (backoffice/counters.py), so many
processes count as one.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, router
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice import counters
from backoffice.auth import client_ip

from .models import WebhookEvent
from .providers import AuthError, provider_class
from .services import callback_drain

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024  # a signed callback larger than this is not one of the provider's: refused
BAD_EXCERPT = 2 * 1024
KEPT_HEADERS = ("Content-Type", "User-Agent", "Content-Length")
STORED = b'{"status": "success", "detail": "stored; applied in the background"}'


@csrf_exempt
@require_POST
def provider_webhook(request, code: str):
    """The callbacks of provider `code` (routed only for providers that send callbacks)."""
    provider = provider_class(code)
    body = request.body
    try:
        if len(body) > MAX_BODY:
            raise AuthError("the body is larger than any callback of the provider")
        provider.verify_callback(body, request.headers, settings=settings)
    except AuthError as err:
        return _bad_callback(request, provider.code, body, err.message)
    # stored, exactly as received (signature values are not kept: they are derived from the secret)
    pk = _store(request, provider.code, body, valid=True)
    try:
        callback_drain.stored()
    except Exception:  # stored already: answer 2xx so the provider stops resending; the schedule drains it
        log.exception("callback %s stored, but no drain could be enqueued", pk)
    return HttpResponse(STORED, content_type="application/json")


def _bad_callback(request, provider: str, body: bytes, reason: str) -> HttpResponse:
    """Count it against the client's address; keep an excerpt, or nothing once the address is over."""
    ip = client_ip(request)
    at, window = time.time(), float(settings.WEBHOOK_BAD_WINDOW)
    key = "webhook-bad:" + hashlib.sha256(ip.encode()).hexdigest()[:32]
    seen = counters.hit(key, at, window)
    if seen.count > int(settings.WEBHOOK_BAD_LIMIT):
        if seen.count == int(settings.WEBHOOK_BAD_LIMIT) + 1:
            log.warning("bad callbacks from %s refused for now (over the limit)", ip or "unknown address")
        response = HttpResponse("too many bad callbacks", status=429, content_type="text/plain")
        response["Retry-After"] = str(max(1, math.ceil(seen.seconds_left(at, window))))
        return response
    _store(request, provider, body, valid=False, error=reason)
    return HttpResponse("invalid signature", status=403, content_type="text/plain")


def _store(request, provider: str, body: bytes, *, valid: bool, error: str = "") -> int:
    kept = body if valid else body[:BAD_EXCERPT]
    return _insert(
        provider=provider,
        body=kept.decode("utf-8", errors="replace"),
        size=len(body),
        digest=hashlib.sha256(body).hexdigest(),
        headers={name: request.headers.get(name, "") for name in KEPT_HEADERS},
        remote_addr=client_ip(request)[:64],
        valid=valid,
        error=error,
    )


def _insert(**values) -> int:
    """INSERT one WebhookEvent (the given values, every other field's default) and return its id: one
    statement, built once from the model's fields, without the model's save machinery (WebhookEvent has
    no signals), and without Django's per-request health check (CONN_HEALTH_CHECKS: a SELECT 1 before
    the first query): a kept connection found dead (the database restarted) is closed and the INSERT
    sent once more."""
    connection = connections[router.db_for_write(WebhookEvent)]
    sql, fields = _insert_statement(connection.alias)
    params = [
        f.get_db_prep_save(values[f.name] if f.name in values else f.get_default(), connection)
        for f in fields
    ]
    if connection.in_atomic_block:
        return _execute(connection, sql, params)
    connection.health_check_done = True
    try:
        return _execute(connection, sql, params)
    except (InterfaceError, OperationalError):
        log.warning("the database connection was lost; storing the callback on a new one")
        connection.close()
        return _execute(connection, sql, params)


@functools.cache
def _insert_statement(alias: str) -> tuple[str, list]:
    connection = connections[alias]
    quote, meta = connection.ops.quote_name, WebhookEvent._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, fields


def _execute(connection, sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.features.can_return_columns_from_insert:
            return cursor.fetchone()[0]
        return connection.ops.last_insert_id(
            cursor, WebhookEvent._meta.db_table, WebhookEvent._meta.pk.column
        )
