from django.contrib import admin

from ..models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "game", "price", "available", "synced_at")
    list_filter = ("provider", "game", "available")
    search_fields = ("name__istartswith", "provider_item_id__exact")
    readonly_fields = (
        "provider", "provider_item_id", "name", "game", "price", "classid", "instanceid", "available",
        "raw", "synced_at",
    )  # fmt: skip
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False  # the catalog comes from the provider (sync_catalog)
