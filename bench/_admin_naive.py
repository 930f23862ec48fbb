"""The naive admin the benchmark compares ours with: the stock ModelAdmin over the same models, as a first
version would write it (the columns, stock filters on the same fields, `icontains` search, the stock
paginator and its exact COUNT), mounted at /naive-admin/ in the benchmark's process only."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

#: model name: (list_display, list_filter, search_fields, list_select_related)
NAIVE = {
    "purchase": (
        ("custom_id", "steam_user", "item_name", "provider", "state", "price", "max_price", "created_at"),
        ("state", "provider", "needs_attention", "created_at"),
        ("custom_id__icontains", "buy_id__icontains", "trade_offer_id__icontains", "steam_user__steam_id"),
        ("steam_user",),
    ),
    "steamuser": (
        ("steam_id", "display_name", "trade_url", "created_at"),
        ("created_at",),
        ("steam_id__icontains", "display_name__icontains"),
        (),
    ),
    "item": (
        ("name", "provider", "game", "price", "available"),
        ("provider", "game", "available"),
        ("name__icontains",),
        (),
    ),
    "purchaseevent": (
        ("at", "purchase", "old_state", "new_state", "source", "actor", "message"),
        ("source", "new_state", "at"),
        ("purchase__custom_id__icontains",),
        ("purchase", "actor"),
    ),
    "providercall": (
        ("started_at", "provider", "method", "outcome", "http_status", "error_code", "duration_ms"),
        ("provider", "method", "outcome", "started_at"),
        ("subjects__icontains",),
        (),
    ),
    "webhookevent": (
        ("received_at", "event", "provider", "custom_id", "purchase", "offer_status", "valid", "processed"),
        ("provider", "event", "valid", "received_at"),
        ("custom_id__icontains",),
        ("purchase",),
    ),
}

site = admin.AdminSite(name="naive")


def install() -> None:
    """Register the naive admins and mount them next to ours (the benchmark's URLconf only)."""
    from django.apps import apps
    from django.conf import settings
    from django.urls import clear_url_caches

    for name, (display, filters, search, related) in NAIVE.items():
        model = apps.get_model("purchases", name)
        attrs = {
            "list_display": display,
            "list_filter": filters,
            "search_fields": search,
            "list_select_related": related,
            "raw_id_fields": [f.name for f in model._meta.fields if f.is_relation],
            # the stock templates, not our overrides (they link our own pages)
            "change_form_template": "admin/change_form.html",
            "change_list_template": "admin/change_list.html",
        }
        site.register(model, type(f"Naive{model.__name__}Admin", (admin.ModelAdmin,), attrs))
    import backoffice.urls as ours

    ours.urlpatterns.insert(0, path("naive-admin/", site.urls))
    clear_url_caches()
    settings.ROOT_URLCONF = ours.__name__


def naive_state_counts_sql() -> str:
    """What a naive dashboard runs for its counts per state: a GROUP BY over every purchase."""
    return "SELECT state, count(*) FROM purchases_purchase GROUP BY state"
