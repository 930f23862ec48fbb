"""Risky recipients: every buy for them waits for an approver. A Steam user with a purchase reverted
(rolled back inside Steam Trade Protection) in the last 30 days, or whose trade URL changed in the last
24 hours (a swapped trade URL is how a payout is diverted)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..ages import clock
from ..models import PurchaseEvent, SteamUser, TradeUrlChange
from ..status import State

REVERTED_WITHIN = timedelta(days=30)
URL_CHANGED_WITHIN = timedelta(hours=24)


def risk_reasons(steam_user: SteamUser, now: datetime) -> list[str]:
    if steam_user.pk is None:
        return []
    reasons = []
    reverted = (
        PurchaseEvent.objects.filter(
            purchase__steam_user=steam_user, new_state=State.REVERTED, at__gte=now - REVERTED_WITHIN
        )
        .select_related("purchase")
        .order_by("-at")
        .first()
    )
    if reverted is not None:
        reasons.append(
            f"risky recipient: {reverted.purchase.custom_id} was reverted in Steam Trade Protection "
            f"on {reverted.at:%Y-%m-%d} (within 30 days)"
        )
    changed = (
        TradeUrlChange.objects.filter(steam_user=steam_user, at__gte=now - URL_CHANGED_WITHIN)
        .exclude(old_url="")
        .select_related("changed_by")
        .first()
    )
    if changed is not None:
        who = changed.changed_by.get_username() if changed.changed_by else "an unknown user"
        reasons.append(f"risky recipient: trade URL changed at {clock(changed.at)} by {who} (within 24 h)")
    return reasons
