from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path

from ..buy_lines import replaced_by
from ..export import export_csv
from ..models import Purchase
from ..permissions import REFRESH as REFRESH_PERMISSION
from ..providers.base import ProviderError
from ..search import SEARCH_HELP, USER_LIMIT, purchases_matching
from ..services import purchases_sync
from . import buy, reports
from .approvals import ApprovalPagesMixin
from .find import FindPagesMixin
from .list_filters import AmountFilter, CreatedRangeFilter, OperatorFilter, SteamUserFilter
from .paginator import EstimatedCountPaginator
from .purchase_list import BatchFilter, NeedsAttentionFilter, PurchaseColumnsMixin, batch_summary, parse_uuid
from .purchase_page import PurchasePageMixin

REFUSED_REBUY = (
    "Not bought again: {}. Only failed or rejected purchases are bought again; an unconfirmed one is "
    "resolved by looking it up by its custom_id, never bought under a new one."
)


@admin.register(Purchase)
class PurchaseAdmin(
    PurchasePageMixin,
    PurchaseColumnsMixin,
    FindPagesMixin,
    ApprovalPagesMixin,
    buy.BuyPagesMixin,
    reports.ReportPagesMixin,
    admin.ModelAdmin,
):
    """The purchases; their pages (find, approvals, buy) come from the mixins, each routed in its own
    get_urls; the list's columns and the purchase page from purchase_list.py and purchase_page.py."""

    list_display = (
        "purchase_display",
        "user_display",
        "state_reason_display",
        "price_display",
        "max_price_display",
        "created_display",
    )
    list_display_links = None  # the purchase column links its custom_id itself (the item name under it)
    list_filter = (
        "state",
        "provider",
        NeedsAttentionFilter,
        "created_at",
        CreatedRangeFilter,
        OperatorFilter,
        SteamUserFilter,
        AmountFilter,
        BatchFilter,
    )
    # the owner: who works a flagged purchase; replaced_by: a refused line names its failover (one join on
    # the unique index of `replaces`, the page's rows only)
    list_select_related = ("steam_user", "attention_owner", "replaced_by")
    # no date_hierarchy: its DISTINCT date_trunc over every row costs ~0.5 s at a million purchases;
    # the "created" filter (today, 7 days, this month, this year) costs nothing
    paginator = EstimatedCountPaginator
    # the one search rule (purchases/search.py, get_search_results): whole ids, a name's start; never a scan
    search_fields = ("custom_id__exact",)
    search_help_text = SEARCH_HELP
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("steam_user", "item", "replaces", "created_by")
    # templates: the admin's defaults, admin/purchases/purchase/change_form.html and change_list.html
    actions = ["refresh_status", "buy_again", "approve_purchases", "decline_purchases", export_csv]
    # fieldsets: PurchasePageMixin, from purchases.fields

    def has_add_permission(self, request) -> bool:
        return False  # purchases are created by buying, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # every field comes from the provider or the buy; changes go through services

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # money records are kept

    def has_refresh_purchase_permission(self, request) -> bool:
        return request.user.has_perm(REFRESH_PERMISSION)

    @admin.action(description="Refresh status from the provider", permissions=["refresh_purchase"])
    def refresh_status(self, request, queryset):
        custom_ids = list(queryset.values_list("custom_id", flat=True)[:5000])
        self._refresh(request, custom_ids)

    def _refresh(self, request, custom_ids: list[str]) -> None:
        try:
            report = purchases_sync(
                custom_ids=custom_ids, actor=request.user, source="admin", interactive=True
            )
        except ProviderError as error:
            self.message_user(request, f"The provider did not answer: {error}", messages.ERROR)
            return
        skipped = len(custom_ids) - report.refreshed
        text = report.summary() + (f"; {skipped} already final, not asked" if skipped else "")
        if report.changes:
            text += ". Changed: " + "; ".join(report.changes[:20])
        level = messages.WARNING if report.paused or report.not_found else messages.SUCCESS
        self.message_user(request, text, level)

    def has_buy_skins_permission(self, request) -> bool:
        return buy.can_buy(request)

    @admin.action(
        description="Buy again… (failed or rejected only, under a new custom_id)", permissions=["buy_skins"]
    )
    def buy_again(self, request, queryset):
        olds = list(queryset.select_related("replaced_by")[: buy.MAX_LINES + 1])
        refused = [p.custom_id for p in olds if not p.is_rebuyable]
        done = [f"{p.custom_id} (as {replaced_by(p)})" for p in olds if p.is_rebuyable and replaced_by(p)]
        fresh = [p for p in olds if p.is_rebuyable and not replaced_by(p)]
        if refused:
            self.message_user(request, REFUSED_REBUY.format(", ".join(refused[:20])), messages.ERROR)
        if done:
            self.message_user(
                request, "Already bought again: " + ", ".join(done[:20]) + ".", messages.WARNING
            )
        users = {p.steam_user_id for p in fresh}
        if len(users) > 1:
            text = f"Buy again works for one Steam user at a time; the selection has {len(users)}."
            self.message_user(request, text, messages.ERROR)
        elif fresh:
            return redirect(buy.confirm_url(users.pop(), replaces=[p.pk for p in fresh]))
        return None

    def changelist_view(self, request, extra_context=None):
        batch_id = parse_uuid(request.GET.get("batch_id"))
        if batch_id is not None:
            extra_context = {**(extra_context or {}), "batch": batch_summary(batch_id)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        refresh = self.admin_site.admin_view(self.refresh_one_view)
        # then the mixins' pages (find, buy), then the stock ones ending in the catch-all "<path:object_id>/"
        return [path("<int:pk>/refresh/", refresh, name="purchases_purchase_refresh"), *super().get_urls()]

    def refresh_one_view(self, request, pk: int):
        if request.method != "POST":
            return redirect("admin:purchases_purchase_change", pk)
        if not self.has_refresh_purchase_permission(request):
            raise PermissionDenied
        purchase = Purchase.objects.filter(pk=pk).first()
        if purchase is None:
            return redirect("admin:purchases_purchase_changelist")
        self._refresh(request, [purchase.custom_id])
        return redirect("admin:purchases_purchase_change", pk)

    def get_search_results(self, request, queryset, search_term):
        """The one search rule: exact ids, or the purchases of the (at most USER_LIMIT) matching users."""
        if not search_term.strip():
            return queryset, False
        found, users = purchases_matching(queryset, search_term)
        if users.more:
            text = f"More than {USER_LIMIT} Steam users' names start so: showing the purchases of the first "
            self.message_user(request, text + f"{USER_LIMIT}; type more of the name.", messages.WARNING)
        return found, False
