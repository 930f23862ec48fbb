"""The purchase list: its filters, its compact columns (the reason in words, money always visible), and the
batch view (`?batch_id=`) with its summary, which updates its rows in place while anything moves."""

from __future__ import annotations

import uuid

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from ..models import Purchase, Route
from ..money import usd
from ..selectors import attention_q
from ..spend import SpendSplit, money_by_state
from ..status import MOVING_STATES, State
from .common import list_time, state_badge
from .reasons import reason, short


def in_batch(batch_id: uuid.UUID) -> Q:
    """The purchases one confirmation page created, and the failovers of its refused lines (created in
    batches of their own, services/failover.py): a sub-select on the batch index, read through the unique
    index of `replaces` (the batch's rows are few)."""
    lines = Purchase.objects.filter(batch_id=batch_id).values("pk")
    return Q(batch_id=batch_id) | Q(replaces_id__in=lines, route=Route.FAILOVER)


class BatchFilter(admin.SimpleListFilter):
    """`?batch_id=<uuid>`: the purchases one confirmation page created, with the failovers of its lines."""

    title = "batch"
    parameter_name = "batch_id"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, f"Batch {value[:8]}…")] if value else []

    def queryset(self, request, queryset):
        batch_id = parse_uuid(self.value())
        if not self.value():
            return queryset
        return queryset.filter(in_batch(batch_id)) if batch_id else queryset.none()


def parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


class NeedsAttentionFilter(admin.SimpleListFilter):
    """The needs-attention queue (`selectors.attention_q`): all of it, or by who works on it."""

    title = "attention"
    parameter_name = "attention"
    VALUES = ("yes", "mine", "nobody")

    def lookups(self, request, model_admin):
        return [("yes", "Needs attention"), ("mine", "… taken by me"), ("nobody", "… taken by nobody")]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in self.VALUES:
            return queryset
        queryset = queryset.filter(attention_q())
        if value == "mine":
            return queryset.filter(attention_owner=request.user.pk)
        if value == "nobody":
            return queryset.filter(attention_owner__isnull=True)
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
        title += f" — Next: {why.next_step}" if why.next_step else ""
        text = format_html('<span class="{}" title="{}">{}</span>', css, title, short(why.text))
        # the owner is joined by the list's select_related (purchase.py): no query per row
        owner = obj.attention_owner if why.attention and obj.attention_owner_id else None
        taken = owner and format_html('<br><span class="bo-owner">taken by {}</span>', owner.get_username())
        return format_html("{}<br>{}{}", state_badge(obj.state), text, taken or "")

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
    """Counts per state of one batch, where its money went, and whether its list keeps updating.

    One query (`spend.money_by_state`): per state, the count, the debit (the price when the debit is not
    reported), the refunds recorded and the max prices; the split (delivered, on hold, on the way, failed
    with the refund not known, refunded) adds up to what was debited."""
    by_state = money_by_state(Purchase.objects.filter(in_batch(batch_id)))
    split = SpendSplit.of(by_state)
    return {
        "id": batch_id,
        "summary": [(State(s).label, s, by_state[s].count) for s in State.values if s in by_state],
        "total": sum(row.count for row in by_state.values()),
        "debited": usd(split.debited),
        "split": split,
        "open_max": usd(split.awaited_max) if split.awaited_max else "",
        "refresh": any(s in MOVING_STATES for s in by_state),
        # held purchases do not move by themselves: the page says so instead of reloading for a day
        "awaiting": by_state[State.AWAITING_APPROVAL].count if State.AWAITING_APPROVAL in by_state else 0,
    }
