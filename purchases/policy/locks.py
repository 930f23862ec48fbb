"""The lock that makes the payout checks and the insert one step: two tabs, two workers, an approval and
a buy for the same Steam user wait for each other instead of both reading "no earlier purchase"."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import F

from ..models import SteamUser


def lock_payout_rows(*, steam_user: SteamUser, actor=None) -> None:
    """Inside a transaction: lock the Steam user's row (and the operator's, for their daily limit).

    A no-op UPDATE takes the row lock on PostgreSQL and the database's write lock on SQLite, so a second
    submit waits here until the first commits, then reads its rows. The Steam user is always locked first,
    the operator second, so two submits never wait on each other in a circle."""
    SteamUser.objects.filter(pk=steam_user.pk).update(updated_at=F("updated_at"))
    if actor is not None and getattr(actor, "pk", None):
        list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
