"""The repeat guard: the same skin (market hash name, any provider) for the same Steam user as a purchase
that may cost money, created within PAYOUT_REPEAT_WINDOW_HOURS, is a repeat. A repeat is refused unless
the person acknowledged it ("Pay again", `buy_skins --allow-repeat`).

Two tabs submitted at once cannot both pass: `purchases_create` runs this check after locking the Steam
user's row (policy.locks), so the second waits for the first's commit and then sees its rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings

from ..ages import clock
from ..models import Purchase, SteamUser
from ..skins import skin_name_key
from ..status import COST_STATES


def repeat_window() -> timedelta:
    return timedelta(hours=int(settings.PAYOUT_REPEAT_WINDOW_HOURS))


def earlier_purchases(
    *, steam_user: SteamUser, names: Iterable[str], now: datetime, exclude: Iterable[int] = ()
) -> dict[str, list[Purchase]]:
    """The purchases of `steam_user` that may cost money, created within the window, under each of
    `names` they match (purchases.skins: case, spacing, ★ and ™ ignored; `buy_skins --name` is typed by
    hand). One query over the Steam user's own recent rows, the newest 500 (the limits keep them fewer)."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for name in names:
        if name:
            wanted[skin_name_key(name)].append(name)
    if not wanted or steam_user.pk is None:
        return {}
    rows = (
        Purchase.objects.filter(
            steam_user=steam_user, state__in=sorted(COST_STATES), created_at__gte=now - repeat_window()
        )
        .exclude(pk__in=list(exclude))
        .select_related("created_by")
        .order_by("-created_at", "-id")[:500]
    )
    found: dict[str, list[Purchase]] = defaultdict(list)
    for purchase in rows:
        for name in dict.fromkeys(wanted.get(skin_name_key(purchase.item_name), ())):
            found[name].append(purchase)
    return dict(found)


def describe(purchase: Purchase) -> str:
    """`bo-… (delivered, created 14:05 UTC by olga)`: enough for the person to recognise it."""
    who = purchase.created_by.get_username() if purchase.created_by else "a command"
    state = purchase.get_state_display().lower()
    return f"{purchase.custom_id} ({state}, created {clock(purchase.created_at)} by {who})"


def repeat_refusal(name: str, earlier: list[Purchase]) -> str:
    hours = int(settings.PAYOUT_REPEAT_WINDOW_HOURS)
    listed = "; ".join(describe(p) for p in earlier[:5])
    return (
        f"{name}: this Steam user was already paid this skin in the last {hours} h: {listed}. "
        "Tick “Pay again” for this line (buy_skins: --allow-repeat) if it is meant."
    )
