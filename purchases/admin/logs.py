from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..call_subjects import calls_about
from ..models import ProviderCall, PurchaseEvent, WebhookEvent
from .call_filters import CallbackEventFilter, MethodFilter, OutcomeFilter
from .common import ReadOnlyAdmin, exact_q, list_time, state_badge
from .paginator import EstimatedCountPaginator

#: what a processed callback did, as the list and the timeline say it
CALLBACK_OUTCOMES = {True: "applied", False: "no change", None: "processed"}


@admin.register(PurchaseEvent)
class PurchaseEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "purchase", "old_state", "new", "new_provider_status", "source", "actor", "message")
    list_filter = ("source", "new_state", "at")
    list_select_related = ("purchase", "actor")
    ordering = ("-at", "-id")  # newest first, on event_at_idx
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
    list_filter = ("provider", MethodFilter, OutcomeFilter, "started_at")
    paginator = EstimatedCountPaginator
    # an exact custom_id or buy_id among the call's subjects, through their GIN index (call_subjects.py)
    search_fields = ("subjects",)
    search_help_text = "An exact custom_id or buy_id."
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return calls_about(queryset, [term]), False


class CallbackOutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("applied", "Applied"), ("unchanged", "No change"), ("failed", "Not applied or rejected")]

    def queryset(self, request, queryset):
        wanted = {
            "applied": {"changed": True},
            "unchanged": {"changed": False},
            "failed": {"processed": False},
        }
        return queryset.filter(**wanted[self.value()]) if self.value() in wanted else queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    """The callbacks as received: which purchase, what they said, what they did. Found by exact custom_id.

    Compact columns (two short lines at most), so all of them stay in view at 1440 px beside both sidebars."""

    list_display = (
        "received_display",
        "event_display",
        "custom_id_display",
        "purchase_link",
        "offer_status",
        "outcome",
    )
    list_filter = ("provider", CallbackEventFilter, CallbackOutcomeFilter, "valid", "received_at")
    list_select_related = ("purchase",)
    # no date_hierarchy: its DISTINCT date_trunc scans the whole table; the "received at" filter costs nothing
    paginator = EstimatedCountPaginator
    # the search box matches a whole custom_id only, on webhook_custom_id_idx (see get_search_results)
    search_fields = ("custom_id__exact",)
    search_help_text = "An exact custom_id."
    show_full_result_count = False
    raw_id_fields = ("purchase", "purchase_event")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(exact_q(term, ["custom_id"])), False

    @admin.display(description="received", ordering="received_at")
    def received_display(self, obj: WebhookEvent) -> str:
        return list_time(obj.received_at, seconds=True)

    @admin.display(description="event · provider", ordering="event")
    def event_display(self, obj: WebhookEvent) -> str:
        return format_html(
            '{}<br><span class="bo-muted">{}</span>', obj.event or "?", obj.get_provider_display()
        )

    @admin.display(description="custom_id", ordering="custom_id")
    def custom_id_display(self, obj: WebhookEvent) -> str:
        return format_html('<span class="bo-mono">{}</span>', obj.custom_id) if obj.custom_id else "—"

    @admin.display(description="purchase", ordering="purchase_id")
    def purchase_link(self, obj: WebhookEvent) -> str:
        if obj.purchase_id is None:
            return "—"
        url = reverse("admin:purchases_purchase_change", args=[obj.purchase_id])
        name = obj.purchase.item_name or obj.purchase.custom_id
        badge = state_badge(obj.purchase.state)
        return format_html('<a href="{}" class="bo-name" title="{}">{}</a><br>{}', url, name, name, badge)

    @admin.display(description="outcome", ordering="changed")
    def outcome(self, obj: WebhookEvent) -> str:
        if obj.valid and not obj.processed and not obj.error:  # stored; the drain applies it shortly
            return format_html('<span class="bo-muted">{}</span>', "waiting to be applied")
        if not obj.valid or not obj.processed:
            word = "rejected" if not obj.valid else "not applied"
            text = f"{word}: {obj.error}" if obj.error else word
            return format_html('<span class="bo-outcome-bad bo-reason" title="{}">{}</span>', text, text)
        if obj.changed is False:
            return format_html('<span class="bo-muted">{}</span>', CALLBACK_OUTCOMES[False])
        return CALLBACK_OUTCOMES[obj.changed]
