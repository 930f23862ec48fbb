from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .. import permissions
from ..models import Purchase, SteamUser
from ..search import SEARCH_HELP, steam_users_matching
from . import buy
from .paginator import EstimatedCountPaginator
from .payout_admin import url_history
from .steam_user_purchases import purchases_url, user_purchases


class SteamUserChangeList(ChangeList):
    """Counts the purchases of the listed users only: one GROUP BY over the page's ids (the steam_user_id
    index), never a join of every user with every purchase."""

    def get_results(self, request):
        super().get_results(request)
        users = list(self.result_list)
        rows = (
            Purchase.objects.filter(steam_user_id__in=[user.pk for user in users])
            .order_by()
            .values_list("steam_user_id")
            .annotate(n=Count("pk"))
        )
        totals = dict(rows)
        for user in users:
            user.purchase_total = totals.get(user.pk, 0)


@admin.register(SteamUser)
class SteamUserAdmin(buy.MarketPageMixin, admin.ModelAdmin):
    """The Steam users; their "Buy skins" page comes from MarketPageMixin (its own get_urls)."""

    list_display = ("steam_id", "display_name", "trade_link", "purchase_count", "created_at")
    list_filter = ("created_at",)
    # no date_hierarchy: its DISTINCT date_trunc and MIN/MAX read every user; the "created at" filter does not
    paginator = EstimatedCountPaginator
    # the one search rule (purchases/search.py, get_search_results): a Steam id, the start of a name, or
    # the receiver of a purchase with this id, through indexes; the buy page's autocomplete searches so too
    search_fields = ("steam_id__exact",)
    search_help_text = SEARCH_HELP
    readonly_fields = ("partner", "masked_token", "created_at", "updated_at", "inventory_link")
    fields = ("steam_id", "display_name", "trade_url", "partner", "masked_token", "note", "inventory_link")
    show_full_result_count = False
    # template: the admin's default, admin/purchases/steamuser/change_form.html
    # explicit: the buy page's autocomplete pages
    ordering = ("-created_at", "-pk")

    def get_search_results(self, request, queryset, search_term):
        """Never a `contains` scan: the id's unique index, or a range of the LOWER(display_name) index;
        in name order (the autocomplete's, and the list's unless a column header was clicked)."""
        if not search_term.strip():
            return queryset, False
        name_order = ORDER_VAR not in request.GET
        return steam_users_matching(queryset, search_term, name_order=name_order), False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # the admin's own hook with the object it already read: read once
        context["can_buy"] = buy.can_buy(request)
        if obj is not None and request.user.has_perm("purchases.view_purchase"):
            context["user_purchases"] = user_purchases(obj)
        if obj is not None:
            # the trade URL history, tokens masked as stored: one LIMITed query (payout_admin.py)
            context["url_history"] = url_history(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # the trade URL history (written by SteamUser.save) names who changed the URL
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)

    def get_fields(self, request, obj=None):
        # whoever may only look (Support) sees the trade URL masked: its token lets anyone send offers
        if obj is not None and not self.has_change_permission(request, obj):
            return [("masked_trade_url" if name == "trade_url" else name) for name in self.fields]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "masked_trade_url")

    @admin.display(description="trade URL")
    def masked_trade_url(self, obj: SteamUser) -> str:
        return self.trade_link(obj)

    def get_changelist(self, request, **kwargs):
        return SteamUserChangeList

    def get_list_display(self, request):
        """The columns, then each row's way on: "Buy skins" for who may buy (never Support), "Inventory" for
        who may see it. The links depend on who looks, so the column is made per request."""
        may_buy, may_see = buy.can_buy(request), request.user.has_perm(permissions.VIEW_INVENTORY)

        @admin.display(description="open")
        def links(obj: SteamUser) -> str:
            html = []
            if may_buy:
                url = reverse("admin:purchases_steamuser_buy", args=[obj.pk])
                html.append(format_html('<a href="{}" class="bo-row-buy">Buy skins</a>', url))
            if may_see:
                url = reverse("admin:inventory_page", args=[obj.steam_id])
                html.append(format_html('<a href="{}" class="bo-row-inventory">Inventory</a>', url))
            return format_html_join(" · ", "{}", ((link,) for link in html)) if html else "—"

        return (*self.list_display, links) if may_buy or may_see else self.list_display

    @admin.display(description="purchases")
    def purchase_count(self, obj: SteamUser) -> str:
        total = getattr(obj, "purchase_total", None)  # set for the listed page by SteamUserChangeList
        return format_html('<a href="{}">{}</a>', purchases_url(obj.pk), "—" if total is None else total)

    @admin.display(description="trade URL")
    def trade_link(self, obj: SteamUser) -> str:
        # the token lets anyone send this user trade offers: shown masked, never whole, in lists
        if not obj.has_valid_trade_url:
            return format_html('<span class="bo-warn">{}</span>', "missing or invalid")
        return format_html("partner={} · token={}", obj.partner, obj.masked_token)

    @admin.display(description="trade token")
    def masked_token(self, obj: SteamUser) -> str:
        return obj.masked_token or "—"

    @admin.display(description="inventory")
    def inventory_link(self, obj: SteamUser) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:inventory_page", args=[obj.steam_id])
        return format_html('<a href="{}">Open the Steam inventory</a>', url)
