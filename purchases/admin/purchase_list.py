"""The purchase list: its filters, its compact columns (the reason in words, money always visible), and the
batch view (`?batch_id=`) with its summary, which updates its rows in place while anything moves."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import admin
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from ..models import Purchase
from ..money import usd
from ..selectors import attention_q
from ..status import MOVING_STATES, SPENT_STATES, UNSETTLED_STATES, State
from .common import list_time, state_badge
from .reasons import reason


class BatchFilter(admin.SimpleListFilter):
    """`?batch_id=<uuid>`: the purchases one confirmation page created."""

    title = "batch"
    parameter_name = "batch_id"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, f"Batch {value[:8]}…")] if value else []

    def queryset(self, request, queryset):
        batch_id = parse_uuid(self.value())
        if not self.value():
            return queryset
        return queryset.filter(batch_id=batch_id) if batch_id else queryset.none()


def parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Needs attention")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(attention_q())
        return queryset


def _cut(text: str, css: str) -> str:
    """One line, cut with an ellipsis by CSS; the whole text on hover."""
    return format_html('<span class="{}" title="{}">{}</span>', css, text, text)


class PurchaseColumnsMixin:
    """The list's columns, two short lines each at most (what, then a detail), so the money and the date
    stay in view at 1440 px beside both sidebars. Each reads the row and its one join (the Steam user):
    no query per row."""

    @admin.display(description="purchase", ordering="custom_id")
    def purchase_display(self, obj: Purchase) -> str:
        url = reverse("admin:purchases_purchase_change", args=[obj.pk])
        return format_html(
            '<a href="{}" class="bo-purchase-link">{}</a><br>{}',
            url,
            obj.custom_id,
            _cut(obj.item_name, "bo-name"),
        )

    @admin.display(description="Steam user", ordering="steam_user__steam_id")
    def user_link(self, obj: Purchase) -> str:
        url = reverse("admin:purchases_steamuser_change", args=[obj.steam_user_id])
        user = obj.steam_user
        name = user.display_name or user.steam_id
        return format_html('<a href="{}" class="bo-user" title="{}">{}</a>', url, user, name)

    @admin.display(description="Steam user · provider", ordering="steam_user__steam_id")
    def user_display(self, obj: Purchase) -> str:
        return format_html(
            '{}<br><span class="bo-muted">{}</span>', self.user_link(obj), obj.get_provider_display()
        )

    @admin.display(description="state", ordering="state")
    def state_display(self, obj: Purchase) -> str:
        return state_badge(obj.state)

    @admin.display(description="state · reason", ordering="state")
    def state_reason_display(self, obj: Purchase) -> str:
        why = reason(obj)
        if not why.text:
            return state_badge(obj.state)
        css = "bo-reason bo-reason-attention" if why.attention else "bo-reason"
        title = f"{why.text} ({why.codes})" if why.codes else why.text
        text = format_html('<span class="{}" title="{}">{}</span>', css, title, why.text)
        return format_html("{}<br>{}", state_badge(obj.state), text)

    @admin.display(description="price", ordering="price")
    def price_display(self, obj: Purchase) -> str:
        return usd(obj.price)

    @admin.display(description="max price", ordering="max_price")
    def max_price_display(self, obj: Purchase) -> str:
        return usd(obj.max_price)

    @admin.display(description="created", ordering="created_at")
    def created_display(self, obj: Purchase) -> str:
        return list_time(obj.created_at)


def batch_summary(batch_id: uuid.UUID) -> dict:
    """Counts per state of one batch, its money, and whether its list keeps updating (anything moving).

    One query: per state, the count, what was debited (the price when the debit is not reported) and the
    max prices of the purchases whose outcome is not known yet."""
    rows = (
        Purchase.objects.filter(batch_id=batch_id)
        .values_list("state")
        .annotate(n=Count("id"), spent=Sum(Coalesce("balance_debited", "price")), most=Sum("max_price"))
        .order_by()
    )
    by_state = {state: (n, spent or Decimal(0), most or Decimal(0)) for state, n, spent, most in rows}
    spent = sum((by_state[s][1] for s in by_state if s in SPENT_STATES), Decimal(0))
    open_max = sum((by_state[s][2] for s in by_state if s in UNSETTLED_STATES), Decimal(0))
    return {
        "id": batch_id,
        "summary": [(State(s).label, s, by_state[s][0]) for s in State.values if s in by_state],
        "total": sum(n for n, _, _ in by_state.values()),
        "spent": usd(spent),
        "open_max": usd(open_max) if open_max else "",
        "refresh": any(s in MOVING_STATES for s in by_state),
        # held purchases do not move by themselves: the page says so instead of reloading for a day
        "awaiting": by_state.get(State.AWAITING_APPROVAL, (0,))[0],
    }
