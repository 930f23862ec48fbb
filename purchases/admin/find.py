"""Find a purchase: one box, one exact id, straight to the purchase (or to a Steam user's purchases).

`/admin/purchases/purchase/find/?q=<id>` (name `admin:purchases_find`), for anyone who may view purchases.
Our database is asked first, by exact indexed matches only: custom_id, then buy_id or trade offer id, then
Steam id. A custom_id we do not have is asked of every provider; what a provider knows can be imported
(POST to `find/import/`, `purchases.refresh_purchase` only), which creates it as an imported purchase.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from ..models import Purchase, SteamUser
from ..providers import PROVIDERS
from ..providers.base import NotFound, ProviderError
from ..services.importing import ProviderAnswer, providers_lookup, purchase_import
from .common import exact_q

VIEW_PERMISSION = "purchases.view_purchase"
IMPORT_PERMISSION = "purchases.refresh_purchase"
TEMPLATE = "admin/purchases/find.html"
MAX_ID_LENGTH = 64
#: after custom_id (unique), these may match more than one purchase (several providers)
OTHER_ID_FIELDS = ["buy_id", "trade_offer_id"]


def find_urls(admin_site: admin.AdminSite) -> list[URLPattern]:
    """The find page and its import, to put in PurchaseAdmin.get_urls() ahead of the stock URLs."""

    def bound(view: Callable[..., HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
        def wrapped(request: HttpRequest) -> HttpResponse:
            return view(request, admin_site)

        wrapped.__name__ = view.__name__
        return admin_site.admin_view(wrapped)

    return [
        path("find/", bound(find_view), name="purchases_find"),
        path("find/import/", bound(import_view), name="purchases_find_import"),
    ]


def find_url(term: str) -> str:
    return reverse("admin:purchases_find") + "?" + urlencode({"q": term})


def find_view(request: HttpRequest, site: admin.AdminSite) -> HttpResponse:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    term = request.GET.get("q", "").strip()
    if not term:
        return _render(request, site, {"find_autofocus": True})
    if len(term) > MAX_ID_LENGTH or any(c.isspace() for c in term):
        problem = f"Not an id: ids are at most {MAX_ID_LENGTH} characters, without spaces."
        return _render(request, site, {"find_query": term, "problem": problem})
    target = local_target(term)
    if target:
        return HttpResponseRedirect(target)
    answers = providers_lookup(term)
    return _render(
        request,
        site,
        {
            "find_query": term,
            "found": [_describe(a) for a in answers if a.info is not None],
            "errors": [{"label": _label(a.provider), "error": a.error} for a in answers if a.error],
            "can_import": request.user.has_perm(IMPORT_PERMISSION),
        },
    )


def local_target(term: str) -> str | None:
    """Where our database sends this id: a purchase's page, or the list of the purchases it matches."""
    changelist = reverse("admin:purchases_purchase_changelist")
    pk = Purchase.objects.filter(custom_id=term).values_list("pk", flat=True).first()
    if pk is not None:
        return reverse("admin:purchases_purchase_change", args=[pk])
    pks = list(Purchase.objects.filter(exact_q(term, OTHER_ID_FIELDS)).values_list("pk", flat=True)[:2])
    if len(pks) == 1:
        return reverse("admin:purchases_purchase_change", args=[pks[0]])
    if pks or SteamUser.objects.filter(steam_id=term).exists():
        return changelist + "?" + urlencode({"q": term})  # the list's search matches the same exact ids
    return None


def import_view(request: HttpRequest, site: admin.AdminSite) -> HttpResponse:
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied
    custom_id = request.POST.get("custom_id", "").strip()
    provider = request.POST.get("provider", "")
    if request.method != "POST" or provider not in PROVIDERS or not custom_id:
        return redirect(find_url(custom_id) if custom_id else reverse("admin:purchases_find"))
    try:
        purchase, created = purchase_import(provider=provider, custom_id=custom_id, actor=request.user)
    except NotFound:
        messages.error(request, f"{_label(provider)} no longer knows {custom_id}; nothing was imported.")
        return redirect(find_url(custom_id))
    except ProviderError as error:
        messages.error(request, f"{_label(provider)} could not be asked ({error}); nothing was imported.")
        return redirect(find_url(custom_id))
    if created:
        messages.success(
            request, f"Imported {custom_id} from {_label(provider)}: {purchase.get_state_display()}."
        )
    else:
        messages.info(request, f"{custom_id} is already in our database.")
    return redirect("admin:purchases_purchase_change", purchase.pk)


def _describe(answer: ProviderAnswer) -> dict[str, Any]:
    info = answer.info
    assert info is not None
    return {
        "provider": answer.provider,
        "provider_label": _label(answer.provider),
        "state": answer.state,
        "info": info,
    }


def _label(code: str) -> str:
    return dict(Purchase._meta.get_field("provider").choices).get(code, code)


def _render(request: HttpRequest, site: admin.AdminSite, context: dict[str, Any]) -> TemplateResponse:
    base = {
        **site.each_context(request),
        "title": "Find a purchase",
        "opts": Purchase._meta,
        "find_autofocus": False,
        "find_query": "",
    }
    return TemplateResponse(request, TEMPLATE, {**base, **context})
