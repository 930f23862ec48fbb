"""The purchase page, led like a payment page: the amount and what became of it, the state and why, the
trade offer and its hold, the actions; then the timeline; then every field, in the sections of
`purchases.fields` (the one list of purchase fields)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from ..buy_lines import replaced_by
from ..fields import PROBLEMS, RAW, SECTIONS, section_fields
from ..models import Purchase
from ..money import usd
from ..selectors import purchase_timeline
from . import buy
from .reasons import money, reason

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
        return {
            "timeline": purchase_timeline(purchase),
            "reason": reason(purchase),
            "money": money(purchase),
            "can_refresh": purchase.is_open and self.has_refresh_purchase_permission(request),
            "buy_again_url": (
                buy.confirm_url(purchase.steam_user_id, replaces=[purchase.pk]) if can_buy_again else ""
            ),
        }

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
