"""The purchase page, led like a payment page: the amount and what became of it, the state and why, the
trade offer and its hold, the actions; where it was bought and why (best price, the operator's choice or a
failover: each provider's quote at the time and what the choice saved) with the links between a refused
line and its failover; then the timeline; then every field, in the sections of `purchases.fields` (the one
list of purchase fields)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html

from ..buy_lines import replaced_by
from ..fields import PROBLEMS, RAW, SECTIONS, section_fields
from ..models import EventSource, ProviderCode, Purchase, Route
from ..money import usd
from ..selectors import TimelineEntry, is_resolved, purchase_timeline
from ..services.attention import (
    RESOLVED,
    AttentionError,
    attention_release,
    attention_resolve,
    attention_take,
)
from . import buy
from .reasons import Reason, money, reason

#: fields shown through a display method of the admin rather than as stored (money, links, badges)
SHOWN_AS = {
    "state": "state_display",
    "steam_id": "user_link",
    "trade_offer_id": "trade_offer_link",
    "max_price": "max_price_display",
    "price": "price_display",
    "balance_debited": "debited_display",
}
#: what the page adds to a section, before its stored fields
ADDED = {PROBLEMS: ["why_display"]}


def purchase_fieldsets() -> tuple:
    fieldsets = []
    for section in SECTIONS:
        names = ADDED.get(section, []) + [SHOWN_AS.get(name, name) for name in section_fields(section)]
        options = {"fields": tuple(names), "classes": ("collapse",) if section == RAW else ()}
        fieldsets.append((section or None, options))
    return tuple(fieldsets)


class PurchasePageMixin:
    """The change view's context and the fields' display methods."""

    fieldsets = purchase_fieldsets()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # the admin's own hook with the object it already read: the page asks for the purchase once
        if obj is not None:
            context.update(self.page_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def page_context(self, request, purchase: Purchase) -> dict:
        can_buy_again = purchase.is_rebuyable and buy.can_buy(request) and not replaced_by(purchase)
        timeline, why = purchase_timeline(purchase), reason(purchase)
        return {
            "timeline": timeline,
            "reason": why,
            "attention": self.attention_context(request, purchase, why, timeline),
            "money": money(purchase),
            "can_refresh": purchase.is_open and self.has_refresh_purchase_permission(request),
            "routing": route_context(purchase),
            "links": link_context(purchase),
            "buy_again_url": (
                buy.confirm_url(purchase.steam_user_id, replaces=[purchase.pk]) if can_buy_again else ""
            ),
        }

    def attention_context(self, request, purchase: Purchase, why: Reason, timeline: list) -> dict | None:
        """The needs-attention panel: what to do next, who works on it, Take it / Release / Resolve; or,
        once resolved, who resolved it and why (the event is in the timeline already: no query)."""
        if why.attention:
            owner = purchase.attention_owner if purchase.attention_owner_id else None
            return {
                "open": True,
                "owner": owner,
                "mine": owner is not None and owner.pk == request.user.pk,
                "can_work": self.has_refresh_purchase_permission(request),
            }
        resolution = _resolution(timeline) if is_resolved(purchase) else None
        return {"open": False, "resolution": resolution} if resolution is not None else None

    def get_urls(self):
        work = self.admin_site.admin_view(self.attention_view)
        urls = [path("<int:pk>/attention/<str:action>/", work, name="purchases_purchase_attention")]
        return urls + super().get_urls()

    def attention_view(self, request, pk: int, action: str):
        """POST only: take, release or resolve (with `because`), then back to the purchase page."""
        if request.method == "POST" and action in ATTENTION_ACTIONS:
            try:
                said = _work(action, pk, request)
            except AttentionError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, said, messages.SUCCESS)
        return redirect("admin:purchases_purchase_change", pk)

    @admin.display(description="trade offer")
    def trade_offer_link(self, obj: Purchase) -> str:
        if not obj.trade_offer_id:
            return "—"
        return format_html(
            '<a href="{}" rel="noopener" target="_blank">{}</a>', obj.trade_offer_url, obj.trade_offer_id
        )

    @admin.display(description="balance debited")
    def debited_display(self, obj: Purchase) -> str:
        return format_html('{} <span class="bo-muted">{}</span>', usd(obj.balance_debited), money(obj).note)

    @admin.display(description="reason")
    def why_display(self, obj: Purchase) -> str:
        why = reason(obj)
        return why.text or "—"


ATTENTION_ACTIONS = ("take", "release", "resolve")


def route_context(purchase: Purchase) -> dict | None:
    """How the provider was chosen, each provider's quote when it was (cheapest first, the chosen one
    marked) and what the choice saved; None for a purchase bought where it was asked (no quotes)."""
    if not purchase.route and not purchase.route_quotes:
        return None
    quotes = sorted(
        (_decimal(price), code)
        for code, price in (purchase.route_quotes or {}).items()
        if _decimal(price) is not None
    )
    saving = purchase.route_saving
    return {
        "label": purchase.get_route_display() if purchase.route else "Only provider quoting it",
        "failover": purchase.route == Route.FAILOVER,
        "quotes": [
            {"provider": _label(code), "price": usd(price), "chosen": code == purchase.provider}
            for price, code in quotes
        ],
        "saving": usd(saving) if saving is not None and saving >= 0 else "",
        "dearer": usd(-saving) if saving is not None and saving < 0 else "",
    }


def link_context(purchase: Purchase) -> dict:
    """The purchase this one replaces and the one that replaced it (at most one query each, only when
    there is one to read), worded as a failover when it was one (services/failover.py)."""
    old = purchase.replaces if purchase.replaces_id else None
    try:
        new = purchase.replaced_by if purchase.pk else None
    except Purchase.DoesNotExist:
        new = None
    return {
        "replaces": old,
        "failover_of": old is not None and purchase.route == Route.FAILOVER,
        "replaced_by": new,
        "failed_over": new is not None and new.route == Route.FAILOVER,
        "failed_over_to": _label(new.provider) if new is not None else "",
    }


def _label(code: str) -> str:
    return ProviderCode(code).label if code in ProviderCode.values else code


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _work(action: str, pk: int, request) -> str:
    """Carry out one action of the panel through its service; what to tell the person."""
    if action == "take":
        attention_take(purchase_id=pk, actor=request.user)
        return "Taken: you work on it. It shows under “… taken by me” in the list."
    if action == "release":
        attention_release(purchase_id=pk, actor=request.user)
        return "Released: nobody works on it now."
    purchase = attention_resolve(purchase_id=pk, actor=request.user, because=request.POST.get("because", ""))
    return f"Resolved {purchase.custom_id}: out of the needs-attention queue."


def _resolution(timeline: list[TimelineEntry]):
    """The latest "Resolved, because…" event of the timeline, or None."""
    for entry in reversed(timeline):
        event = entry.event
        if entry.kind == "event" and event.source == EventSource.ADMIN and event.message.startswith(RESOLVED):
            return event
    return None
