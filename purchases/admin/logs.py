from django.contrib import admin

from ..models import ProviderCall, PurchaseEvent, WebhookEvent
from .common import ReadOnlyAdmin, state_badge
from .paginator import EstimatedCountPaginator


@admin.register(PurchaseEvent)
class PurchaseEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "purchase", "old_state", "new", "new_provider_status", "source", "actor", "message")
    list_filter = ("source", "new_state", "at")
    list_select_related = ("purchase", "actor")
    paginator = EstimatedCountPaginator
    search_fields = ("purchase__custom_id__exact",)
    raw_id_fields = ("purchase", "actor")
    show_full_result_count = False

    @admin.display(description="new state", ordering="new_state")
    def new(self, obj: PurchaseEvent) -> str:
        return state_badge(obj.new_state) if obj.new_state else "—"


@admin.register(ProviderCall)
class ProviderCallAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "provider", "method", "outcome", "http_status", "error_code", "duration_ms")
    list_filter = ("provider", "method", "outcome", "started_at")
    paginator = EstimatedCountPaginator
    search_fields = ("subjects__icontains",)
    show_full_result_count = False


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "provider", "event", "valid", "processed", "error")
    list_filter = ("provider", "event", "valid", "processed", "received_at")
    date_hierarchy = "received_at"
    show_full_result_count = False
