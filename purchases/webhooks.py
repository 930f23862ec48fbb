"""`/webhooks/<provider>/`: the providers' callbacks. The only CSRF-exempt view; it checks a signature."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import WebhookEvent
from .providers import AuthError, provider_class
from .services.callbacks import process_callback

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024
KEPT_HEADERS = ("Content-Type", "User-Agent", "Content-Length")


@csrf_exempt
@require_POST
def provider_webhook(request, code: str):
    """The callbacks of provider `code` (routed only for providers that send callbacks)."""
    provider = provider_class(code)
    body = request.body[:MAX_BODY]
    # stored first, exactly as received (signature values are not kept: they are derived from the secret)
    event = WebhookEvent.objects.create(
        provider=provider.code,
        body=body.decode("utf-8", errors="replace"),
        headers={name: request.headers.get(name, "") for name in KEPT_HEADERS},
        remote_addr=request.META.get("REMOTE_ADDR", "")[:64],
    )
    try:
        provider.verify_callback(body, request.headers, settings=settings)
    except AuthError as err:
        event.error = err.message
        event.save(update_fields=["error"])
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    event.valid = True
    event.save(update_fields=["valid"])
    try:
        result = process_callback(event)
    except Exception:  # stored already: answer 2xx so the provider stops resending; the sync catches up
        log.exception("callback %s could not be applied", event.pk)
        event.error = "could not be applied (see the server log); the sync will catch the purchase up"
        event.save(update_fields=["error"])
        result = event.error
    return JsonResponse({"status": "success", "processed": event.processed, "detail": result[:200]})
