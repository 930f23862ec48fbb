"""`/webhooks/<provider>/`: the providers' callbacks. The only CSRF-exempt view; it checks a signature.

The signature is checked first. A signed callback is stored whole, then applied. An unsigned or wrongly
signed request is kept only as much as debugging it needs: the non-secret headers, its size, the SHA-256
of the body and the body's first 2 KB. A client address that keeps sending bad ones (more than
WEBHOOK_BAD_LIMIT within WEBHOOK_BAD_WINDOW seconds) gets 429 and nothing is stored: the count is an
atomic increment in the shared cache (backoffice/counters.py), so many processes count as one.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice import counters
from backoffice.auth import client_ip

from .models import WebhookEvent
from .providers import AuthError, provider_class
from .services.callbacks import process_callback

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024  # a signed callback larger than this is not one of the provider's: refused
BAD_EXCERPT = 2 * 1024
KEPT_HEADERS = ("Content-Type", "User-Agent", "Content-Length")


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
    # stored first, exactly as received (signature values are not kept: they are derived from the secret)
    event = _store(request, provider.code, body, valid=True)
    try:
        result = process_callback(event)
    except Exception:  # stored already: answer 2xx so the provider stops resending; the sync catches up
        log.exception("callback %s could not be applied", event.pk)
        event.error = "could not be applied (see the server log); the sync will catch the purchase up"
        event.save(update_fields=["error"])
        result = event.error
    return JsonResponse({"status": "success", "processed": event.processed, "detail": result[:200]})


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


def _store(request, provider: str, body: bytes, *, valid: bool, error: str = "") -> WebhookEvent:
    kept = body if valid else body[:BAD_EXCERPT]
    return WebhookEvent.objects.create(
        provider=provider,
        body=kept.decode("utf-8", errors="replace"),
        size=len(body),
        digest=hashlib.sha256(body).hexdigest(),
        headers={name: request.headers.get(name, "") for name in KEPT_HEADERS},
        remote_addr=client_ip(request)[:64],
        valid=valid,
        error=error,
    )
