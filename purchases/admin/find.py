"""Find a purchase: one box, one exact id, straight to the purchase (or to a Steam user's purchases).

`/admin/purchases/purchase/find/?q=<id>` (name `admin:purchases_find`), for anyone who may view purchases.
The term is read by the one search rule of every box (purchases/search.py). Our database is asked first,
by exact indexed matches only: custom_id (as typed and lowercased: `BO-1 ` finds `bo-1`), then buy_id or
trade offer id, then Steam id, then a Steam user's name (exact or prefix, through an index, at most
USER_LIMIT of them). A custom_id we do not have is asked of every provider, lowercased as ours are; what a
provider knows can be imported (POST to `find/import/`, `purchases.refresh_purchase` only), which creates
it as an imported purchase.

`FindPagesMixin` gives PurchaseAdmin both pages, routed in its `get_urls` (ahead of the admin's own
catch-all `<path:object_id>/`) and rendered from admin/purchases/purchase/find.html.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse

from .. import permissions, search
from ..models import Purchase, SteamUser
from ..providers import PROVIDERS
from ..providers.base import NotFound, ProviderError
from ..services.importing import ProviderAnswer, providers_lookup, purchase_import
from .common import provider_label
from .pages import AdminPageMixin

VIEW_PERMISSION = "purchases.view_purchase"
IMPORT_PERMISSION = permissions.REFRESH
MAX_ID_LENGTH = search.MAX_ID_LENGTH


def find_url(term: str) -> str:
    return reverse("admin:purchases_find") + "?" + urlencode({"q": term})


class FindPagesMixin(AdminPageMixin):
    """PurchaseAdmin's find page (anyone who may view purchases) and its import (refreshers only)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("find/", view(self.find_view), name="purchases_find"),
            path("find/import/", view(self.find_import_view), name="purchases_find_import"),
            *super().get_urls(),
        ]

    def find_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        term = search.clean(request.GET.get("q", ""))
        if not term:
            return self._find_page(request, {"find_autofocus": True})
        if len(term) > MAX_ID_LENGTH:
            problem = f"Too long: ids and names are at most {MAX_ID_LENGTH} characters."
            return self._find_page(request, {"find_query": term, "problem": problem})
        is_id = search.is_id(term)
        target = local_target(term) if is_id else None
        if target:
            return HttpResponseRedirect(target)
        users = search.users_named(term)
        if len(users.found) == 1 and not users.more:
            return redirect("admin:purchases_steamuser_change", users.found[0].pk)
        if users.found or not is_id:
            return self._find_page(request, {"find_query": term, "users": users})
        return self._find_page(request, self._providers_context(request, search.custom_id(term)))

    def _providers_context(self, request: HttpRequest, custom_id: str) -> dict[str, Any]:
        answers = providers_lookup(custom_id)
        return {
            "find_query": custom_id,
            "found": [_describe(a) for a in answers if a.info is not None],
            "errors": [{"label": provider_label(a.provider), "error": a.error} for a in answers if a.error],
            "can_import": request.user.has_perm(IMPORT_PERMISSION),
        }

    def find_import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        custom_id = request.POST.get("custom_id", "").strip()
        provider = request.POST.get("provider", "")
        if request.method == "POST" and (provider not in PROVIDERS or not custom_id):
            messages.error(request, _import_refused(provider, custom_id))
        if request.method != "POST" or provider not in PROVIDERS or not custom_id:
            return redirect(find_url(custom_id) if custom_id else reverse("admin:purchases_find"))
        try:
            purchase, created = purchase_import(provider=provider, custom_id=custom_id, actor=request.user)
        except NotFound:
            messages.error(
                request, f"{provider_label(provider)} no longer knows {custom_id}; nothing was imported."
            )
            return redirect(find_url(custom_id))
        except ProviderError as error:
            text = f"{provider_label(provider)} could not be asked ({error}); nothing was imported."
            messages.error(request, text)
            return redirect(find_url(custom_id))
        if created:
            text = f"Imported {custom_id} from {provider_label(provider)}: {purchase.get_state_display()}."
            messages.success(request, text)
        else:
            messages.info(request, f"{custom_id} is already in our database.")
        return redirect("admin:purchases_purchase_change", purchase.pk)

    def _find_page(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        base = {"find_autofocus": False, "find_query": ""}
        return self.render_page(request, "find", "Find a purchase", {**base, **context})


def _import_refused(provider: str, custom_id: str) -> str:
    if not custom_id:
        return "Nothing was imported: no custom_id was sent."
    return f"Nothing was imported: “{provider}” is not a provider (choose {_provider_names()})."


def _provider_names() -> str:
    return " or ".join(provider_label(code) for code in PROVIDERS)


def local_target(term: str) -> str | None:
    """Where our database sends this id: a purchase's page, or the list of the purchases it matches."""
    changelist = reverse("admin:purchases_purchase_changelist")
    # custom_id first: unique, one indexed equality (or an IN of the term as typed and lowercased)
    pk = Purchase.objects.filter(search.custom_id_q(term)).values_list("pk", flat=True).first()
    if pk is not None:
        return reverse("admin:purchases_purchase_change", args=[pk])
    # a buy_id or trade offer id may match more than one purchase (several providers)
    others = Q(buy_id=term) | Q(trade_offer_id=term)
    pks = list(Purchase.objects.filter(others).values_list("pk", flat=True)[:2])
    if len(pks) == 1:
        return reverse("admin:purchases_purchase_change", args=[pks[0]])
    if pks or (search.is_steam_id(term) and SteamUser.objects.filter(steam_id=term).exists()):
        return changelist + "?" + urlencode({"q": term})  # the list's search follows the same rule
    return None


def _describe(answer: ProviderAnswer) -> dict[str, Any]:
    info = answer.info
    assert info is not None
    return {
        "provider": answer.provider,
        "provider_label": provider_label(answer.provider),
        "state": answer.state,
        "info": info,
    }
