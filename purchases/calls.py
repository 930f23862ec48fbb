"""Writes one ProviderCall row per provider request (the providers' recorder hook)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from .models import ProviderCall

log = logging.getLogger(__name__)


def record_provider_call(record) -> None:
    """Store a `providers.http.CallRecord`. Runs outside any transaction of the caller's choosing."""
    ProviderCall.objects.create(
        provider=record.provider,
        method=record.method[:64],
        started_at=record.started_at,
        duration_ms=max(0, int(record.duration_ms)),
        outcome=record.outcome[:16],
        http_status=record.http_status,
        error_code=str(record.error_code or "")[:32],
        error_message=(record.error_message or "")[:255],
        subjects=" ".join(record.subjects or ()),
        request_excerpt=record.request_excerpt or "",
        response_excerpt=record.response_excerpt or "",
    )


def prune_provider_calls(*, days: int) -> int:
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = ProviderCall.objects.filter(started_at__lt=cutoff).delete()
    return deleted
