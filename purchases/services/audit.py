"""The admin's history (LogEntry) of what a person asked for, written by the service that does it.

Each call happens inside the service's own transaction, next to the rows and PurchaseEvents it writes, so
the history never names a purchase that was rolled back nor misses one that was committed. Only a person
leaves a LogEntry: commands, tasks and callbacks pass no user actor and leave their PurchaseEvents only.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from ..models import Purchase


def is_person(actor) -> bool:
    return actor is not None and getattr(actor, "pk", None) is not None and actor.is_authenticated


def log_additions(actor, purchases: Iterable[Purchase], message: str) -> None:
    """One ADDITION per purchase created on a person's request."""
    _log(actor, ((p.pk, str(p), message) for p in purchases), ADDITION)


def log_changes(actor, changes: Iterable[tuple[int, str, str]]) -> None:
    """One CHANGE per (pk, repr, message) a person's request changed."""
    _log(actor, changes, CHANGE)


def _log(actor, rows: Iterable[tuple[int, str, str]], flag: int) -> None:
    if not is_person(actor):
        return
    content_type = ContentType.objects.get_for_model(Purchase)
    LogEntry.objects.bulk_create(
        LogEntry(
            user_id=actor.pk,
            content_type=content_type,
            object_id=str(pk),
            object_repr=text[:200],
            action_flag=flag,
            change_message=message,
        )
        for pk, text, message in rows
    )
