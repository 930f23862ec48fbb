"""The inventory page of a Steam user, at /admin/inventory/<steam_id>/ (name `admin:inventory_page`).

A page of the admin site: `InventoryPageMixin` is mixed into the AdminSite (backoffice/admin.py), whose
`get_urls` routes it through `self.admin_view`, the way the ModelAdmins route their pages. The page is
not a model's (InventoryAccess has no table), so it sits at its app's root and renders
admin/inventory/inventory.html with the site's own context.

Thin: validate the GET form, call one service, turn a provider error into a Problem, render. Nothing is
written to the database, and the provider is called outside any transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from backoffice.error_pages import Link, not_found
from purchases import permissions
from purchases.models import ProviderCode, SteamUser
from purchases.providers.base import ProviderError

from . import services
from .errors import describe_error, problem
from .forms import InventoryForm
from .listing import build_listing, multiplier_note

logger = logging.getLogger("inventory")
PERMISSION = permissions.VIEW_INVENTORY
TEMPLATE = "admin/inventory/inventory.html"


class InventoryPageMixin:
    """For the AdminSite: `inventory/<steam_id>/`, a Steam user's inventory (`inventory.view_inventory`)."""

    def get_urls(self):
        page = self.admin_view(self.inventory_view)
        return [path("inventory/<str:steam_id>/", page, name="inventory_page"), *super().get_urls()]

    def inventory_view(self, request: HttpRequest, steam_id: str) -> HttpResponse:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        steam_user = SteamUser.objects.filter(steam_id=steam_id).first()
        if steam_user is None:
            return unknown_steam_id(request, steam_id)
        form = InventoryForm.from_query(request.GET)
        context: dict[str, Any] = {
            **self.each_context(request),
            "title": f"Inventory of {steam_user.display_name or steam_user.steam_id}",
            "steam_user": steam_user,
            "form": form,
            "opts": SteamUser._meta,
            "hide_toggle_query": _toggle_hide_query(request),
        }
        if form.is_valid():
            context.update(_load(request, steam_user, form))
        return TemplateResponse(request, TEMPLATE, context)


def _load(request: HttpRequest, steam_user: SteamUser, form: InventoryForm) -> dict[str, Any]:
    """The listing, or the problem that stopped it. Never raises: a provider failure is a message."""
    if not steam_user.has_valid_trade_url:
        return {"problem": problem("no_trade_url")}
    try:
        loaded = services.fetch_inventory(
            steam_user=steam_user, options=form.options(), refresh=request.GET.get("refresh") == "1"
        )
    except ProviderError as err:  # already logged by the service
        return {"problem": describe_error(err)}
    except Exception:
        logger.exception("inventory page of %s failed", steam_user.steam_id)
        return {"problem": problem("unexpected")}
    inventory = loaded.inventory
    label = ProviderCode(form.options().provider).label
    result: dict[str, Any] = {
        "loaded": loaded,
        "provider_label": label,
        "currency": inventory.currency_local.upper(),
        "currency_note": currency_note(form.options(), inventory.currency_local, label),
        "multiplier_note": multiplier_note(inventory.items, form.options().multiplier, label),
        "listing": build_listing(inventory.items, currency=inventory.currency_local, **form.display()),
    }
    if not inventory.items:
        result["problem"] = problem("empty")
    return result


def currency_note(options: services.InventoryOptions, used: str, provider: str) -> str:
    """Which currency the local prices are in, and why it is not the one chosen when it is not."""
    used, asked = (used or "").upper(), (options.currency or "").upper()
    custom = (options.custom_currency or "").upper()
    if custom and used and used != custom:
        asked_for = f"the custom currency {custom} (at {options.rate} per USD)"
        return f"You asked for {asked_for}; {provider} priced in {used}."
    if custom:
        text = f"Local prices in {custom}: the custom currency at {options.rate} per USD."
        if asked and asked != custom:
            text += f" The currency chosen ({asked}) is not used when a custom currency is set."
        return text
    if asked and used and asked != used:
        return f"You chose {asked}; {provider} priced in {used}."
    if not used:
        return f"{provider} did not say which currency its local prices are in."
    return f"Local prices in {used}" + ("." if asked else f", {provider}'s default.")


def unknown_steam_id(request: HttpRequest, steam_id: str) -> HttpResponse:
    """Our 404 (in the admin's chrome, DEBUG or not): the id is not one of our Steam users."""
    users = reverse("admin:purchases_steamuser_changelist")
    text = [
        f"No Steam user with the Steam id {steam_id} is in our database: there is no inventory to ask for.",
        "Check the id (17 digits, starting 7656119), or add the user first: the inventory page needs their "
        "trade URL.",
    ]
    links = [Link("Look the id up among the Steam users", f"{users}?q={steam_id}")]
    if request.user.has_perm("purchases.add_steamuser"):
        links.append(Link("Add this Steam user", reverse("admin:purchases_steamuser_add")))
    return not_found(request, "Unknown Steam user", text, links)


def _toggle_hide_query(request: HttpRequest) -> str:
    """The current view's query with hide_disabled flipped: a plain link, no JavaScript needed."""
    query = request.GET.copy()
    query.pop("refresh", None)  # following the link must not ask the provider again
    if query.get("hide_disabled"):
        query.pop("hide_disabled")
    else:
        query["hide_disabled"] = "1"
    return query.urlencode()
