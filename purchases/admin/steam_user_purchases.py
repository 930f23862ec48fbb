"""A Steam user's purchases on their admin page: the recent ones and the totals, in two queries.

Two queries whatever the number of purchases: one aggregate (count, money spent, in progress) and one
LIMITed list of the newest, reading only the columns shown. Money spent counts what was debited (or the
price when no debit was reported) in the states that spend money, as the dashboard does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from ..models import Purchase, SteamUser
from ..status import OPEN_STATES, SPENT_STATES

RECENT = 10
COLUMNS = ("pk", "custom_id", "item_name", "provider", "state", "price", "max_price", "balance_debited")


@dataclass(frozen=True)
class UserPurchases:
    recent: list[Purchase]
    count: int
    spent: Decimal
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
    totals: dict[str, Any] = mine.order_by().aggregate(
        count=Count("pk"),
        spent=Sum(Coalesce("balance_debited", "price"), filter=Q(state__in=SPENT_STATES)),
        open_count=Count("pk", filter=Q(state__in=OPEN_STATES)),
    )
    recent = list(mine.only(*COLUMNS, "created_at").order_by("-created_at", "-id")[:RECENT])
    return UserPurchases(
        recent=recent,
        count=totals["count"],
        spent=totals["spent"] or Decimal("0"),
        open_count=totals["open_count"],
        list_url=purchases_url(steam_user.pk),
    )
