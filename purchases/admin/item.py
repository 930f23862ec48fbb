from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from ..ages import ago
from ..models import Item
from ..money import usd
from ..providers.base import ProviderError
from ..quotes import listed_elsewhere
from ..services.catalog import items_refresh
from . import buy

#: "Refresh prices" asks the provider once per item: a few at a time, never the whole catalog
REFRESH_LIMIT = 50


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "game", "price_usd", "available", "prices_read")
    list_filter = ("provider", "game", "available")
    search_fields = ("name__istartswith", "provider_item_id__exact")
    readonly_fields = (
        "provider",
        "provider_item_id",
        "name",
        "game",
        "price_usd",
        "classid",
        "instanceid",
        "available",
        "listed_elsewhere",
        "raw",
        "synced_at",
    )
    exclude = ("price",)  # shown formatted (price_usd); the catalog's price comes from the provider
    show_full_result_count = False
    actions = ["buy_for_user", "refresh_prices"]

    @admin.display(description="Price", ordering="price")
    def price_usd(self, item: Item) -> str:
        return usd(item.price)

    @admin.display(description="Also listed at")
    def listed_elsewhere(self, item: Item) -> str:
        """The same skin at the other providers (purchases/quotes.py): their cheapest listing on sale."""
        found = listed_elsewhere(item)
        if not found:
            return "no other provider lists this skin in our catalog"
        rows = (
            (
                quote.label,
                reverse("admin:purchases_item_change", args=[quote.item.pk]),
                usd(quote.price),
                _read(quote),
            )
            for quote in found
        )
        return format_html_join("<br>", '{}: <a href="{}">{}</a> <span class="bo-muted">({})</span>', rows)

    @admin.display(description="Price read", ordering="synced_at")
    def prices_read(self, item: Item) -> str:
        """`3 days ago`, the exact time on hover: how old the price and availability shown are."""
        if item.synced_at is None:
            return format_html('<span class="bo-read">{}</span>', "never read")
        at = timezone.localtime(item.synced_at).strftime("%Y-%m-%d %H:%M %Z")
        return format_html('<span class="bo-read" title="{}">{}</span>', at, ago(item.synced_at))

    def has_add_permission(self, request) -> bool:
        return False  # the catalog comes from the provider (sync_catalog)

    def has_buy_skins_permission(self, request) -> bool:
        return buy.can_buy(request)

    @admin.action(description="Buy for a Steam user…", permissions=["buy_skins"])
    def buy_for_user(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[: buy.MAX_LINES + 1])
        if len(ids) > buy.MAX_LINES:
            self.message_user(request, f"At most {buy.MAX_LINES} items per batch.", messages.ERROR)
            return None
        return redirect(reverse("admin:purchases_buy_choose_user") + "?items=" + ",".join(map(str, ids)))

    @admin.action(description="Refresh prices from the provider", permissions=["buy_skins"])
    def refresh_prices(self, request, queryset):
        items = list(queryset[: REFRESH_LIMIT + 1])
        if len(items) > REFRESH_LIMIT:
            self.message_user(request, f"At most {REFRESH_LIMIT} items at a time.", messages.ERROR)
            return
        try:
            refreshed = items_refresh(items=items)
        except ProviderError as error:
            self.message_user(request, f"The provider did not answer: {error}", messages.ERROR)
            return
        gone = sum(1 for item in items if not item.available)
        text = f"{refreshed} item{'s' if refreshed != 1 else ''} refreshed"
        self.message_user(request, text + (f"; {gone} no longer on sale." if gone else "."), messages.SUCCESS)


def _read(quote) -> str:
    return f"price read {ago(quote.read_at)}" if quote.read_at else "price never read"


def _item_url(pk: int) -> str:
    return reverse("admin:purchases_item_change", args=[pk])
