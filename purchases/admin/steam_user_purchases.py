"""A Steam user's purchases on their admin page: the recent ones and the totals, in two queries.

Two queries whatever the number of purchases: one aggregate per state (`spend.money_by_state`: the counts,
the debits, the refunds recorded) and one LIMITed list of the newest, reading only the columns shown. The
money is split as support is asked about it (delivered, on hold, on the way, failed with the refund not
known, refunded), adding up to what was debited (purchases/spend.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from ..models import Purchase, SteamUser
from ..spend import SpendSplit, money_by_state
from ..status import OPEN_STATES

RECENT = 10
COLUMNS = ("pk", "custom_id", "item_name", "provider", "state", "price", "max_price", "balance_debited")


@dataclass(frozen=True)
class UserPurchases:
    recent: list[Purchase]
    count: int
    split: SpendSplit
    open_count: int
    list_url: str

    @property
    def more(self) -> int:
        return max(self.count - len(self.recent), 0)


def purchases_url(steam_user_id: int) -> str:
    """The purchase list filtered to one Steam user (the list's column and this section link it)."""
    return reverse("admin:purchases_purchase_changelist") + f"?steam_user__id__exact={steam_user_id}"


def user_purchases(steam_user: SteamUser) -> UserPurchases:
    mine = Purchase.objects.filter(steam_user=steam_user)
    by_state = money_by_state(mine)
    recent = list(mine.only(*COLUMNS, "created_at").order_by("-created_at", "-id")[:RECENT])
    return UserPurchases(
        recent=recent,
        count=sum(row.count for row in by_state.values()),
        split=SpendSplit.of(by_state),
        open_count=sum(row.count for state, row in by_state.items() if state in OPEN_STATES),
        list_url=purchases_url(steam_user.pk),
    )
