"""Writes one ProviderCall row per provider request (the providers' recorder hook)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from .models import ProviderCall

log = logging.getLogger(__name__)
_held = threading.local()


@contextmanager
def held_calls(into: list) -> Iterator[None]:
    """In this thread, keep the records in `into` instead of writing them: a worker thread of a parallel
    read hands them to the thread that started it, which writes them with `write_held` (no database
    connection is opened in the worker)."""
    _held.records = into
    try:
        yield
    finally:
        del _held.records


def write_held(records: list) -> None:
    if records:
        ProviderCall.objects.bulk_create(_row(record) for record in records)


def record_provider_call(record) -> None:
    """Store a `providers.http.CallRecord`. Runs outside any transaction of the caller's choosing."""
    held = getattr(_held, "records", None)
    if held is not None:
        held.append(record)
        return
    _row(record).save()


def _row(record) -> ProviderCall:
    return ProviderCall(
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
