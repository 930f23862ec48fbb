from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse

from ..models import Item
from ..money import usd
from ..providers.base import ProviderError
from ..services.catalog import items_refresh
from . import buy

#: "Refresh prices" asks the provider once per item: a few at a time, never the whole catalog
REFRESH_LIMIT = 50


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "game", "price_usd", "available", "synced_at")
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
        "raw",
        "synced_at",
    )
    exclude = ("price",)  # shown formatted (price_usd); the catalog's price comes from the provider
    show_full_result_count = False
    actions = ["buy_for_user", "refresh_prices"]

    def has_add_permission(self, request) -> bool:
        return False  # the catalog comes from the provider (sync_catalog)

    @admin.display(description="price", ordering="price")
    def price_usd(self, obj: Item) -> str:
        return usd(obj.price)  # 1,234.50 USD, as on every page (purchases/money.py)

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
