from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..models import Purchase, SteamUser
from ..selectors import purchase_timeline
from .common import exact_q, state_badge, usd

#: identifiers support staff paste into the search box; each has its own index
EXACT_SEARCH_FIELDS = ["custom_id", "buy_id", "trade_offer_id"]


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Needs attention")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(needs_attention=True)
        return queryset


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = (
        "custom_id", "item_name", "user_link", "provider", "state_display", "provider_status",
        "price_display", "max_price_display", "created_at",
    )  # fmt: skip
    list_display_links = ("custom_id",)
    list_filter = ("state", "provider", NeedsAttentionFilter, "created_at")
    list_select_related = ("steam_user",)
    date_hierarchy = "created_at"
    # the search box matches whole identifiers only (see get_search_results); never a substring scan
    search_fields = ("custom_id__exact",)
    search_help_text = "An exact custom_id, buy_id, trade offer id or Steam id."
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("steam_user", "item", "replaces", "created_by")
    change_form_template = "admin/purchases/purchase/change_form.html"
    fieldsets = (
        (None, {"fields": ("custom_id", "state_display", "provider", "provider_status", "steam_user", "item_name")}),
        ("Money (USD)", {"fields": ("max_price", "price", "balance_debited")}),
        ("Trade", {"fields": ("buy_id", "trade_offer_link", "in_hold", "hold_until", "sent_at", "last_synced_at")}),
        ("Problems", {"fields": ("error_code", "error_reason", "needs_attention", "attention_reason")}),
        ("Origin", {"fields": ("batch_id", "replaces", "created_by", "imported", "created_at")}),
        ("Last provider answer", {"classes": ("collapse",), "fields": ("raw",)}),
    )

    def has_add_permission(self, request) -> bool:
        return False  # purchases are created by buying, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # every field comes from the provider or the buy; changes go through services

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # money records are kept

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        query = exact_q(term, EXACT_SEARCH_FIELDS)
        user_id = SteamUser.objects.filter(steam_id=term).values_list("pk", flat=True).first()
        if user_id is not None:
            query |= exact_q(user_id, ["steam_user_id"])
        return queryset.filter(query), False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        purchase = self.get_object(request, object_id)
        if purchase is not None:
            extra_context["timeline"] = purchase_timeline(purchase)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="state", ordering="state")
    def state_display(self, obj: Purchase) -> str:
        return state_badge(obj.state)

    @admin.display(description="Steam user", ordering="steam_user__steam_id")
    def user_link(self, obj: Purchase) -> str:
        url = reverse("admin:purchases_steamuser_change", args=[obj.steam_user_id])
        return format_html('<a href="{}">{}</a>', url, obj.steam_user)

    @admin.display(description="price", ordering="price")
    def price_display(self, obj: Purchase) -> str:
        return usd(obj.price)

    @admin.display(description="max price", ordering="max_price")
    def max_price_display(self, obj: Purchase) -> str:
        return usd(obj.max_price)

    @admin.display(description="trade offer")
    def trade_offer_link(self, obj: Purchase) -> str:
        if not obj.trade_offer_id:
            return "—"
        return format_html('<a href="{}" rel="noopener" target="_blank">{}</a>', obj.trade_offer_url, obj.trade_offer_id)
