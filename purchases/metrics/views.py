"""The /metrics view: allowed client addresses (METRICS_ALLOWED_IPS, networks too) or a bearer token
(METRICS_TOKEN); anyone else gets 403 and nothing is computed."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backoffice.auth import client_ip

from .collect import gauges
from .exposition import CONTENT_TYPE, render

log = logging.getLogger(__name__)


def allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return _address_allowed(client_ip(request), getattr(settings, "METRICS_ALLOWED_IPS", []))


def _address_allowed(address: str, allowed_list: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed_list:
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            log.warning("METRICS_ALLOWED_IPS: %r is not an address or network", entry)
    return False


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse("Forbidden: not an allowed address and no valid token.\n", status=403)
    return HttpResponse(render(gauges()), content_type=CONTENT_TYPE)
