"""How old something is, in words for people: "read 12 s ago", "in progress for 3 hours", "14:05 UTC"."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.timesince import timesince


def age(at: datetime, now: datetime | None = None) -> str:
    """`12 s`, `5 minutes`, `3 days`: how long since `at`, in its largest unit (the one age format)."""
    now = now or timezone.now()
    seconds = int((now - at).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    return timesince(at, now, depth=1).replace("\xa0", " ")


def ago(at: datetime | None, now: datetime | None = None) -> str:
    """`12 s ago`, `5 minutes ago`, `3 days ago`; `never` when there was no read."""
    return "never" if at is None else f"{age(at, now)} ago"


def read_ago(at: datetime | None, now: datetime | None = None) -> str:
    """`read 3 days ago`, or `never read from the provider`."""
    return "never read from the provider" if at is None else f"read {ago(at, now)}"


def clock(at: datetime) -> str:
    """`14:05 UTC`: the time of day of a read, always in UTC."""
    return at.astimezone(UTC).strftime("%H:%M UTC")
