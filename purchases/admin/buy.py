"""The buy pages: choose a Steam user, search the market, confirm. All three end on one confirmation page.

Thin: the forms in purchases/forms.py parse and validate, the confirmation calls `purchases_create`, which
only writes rows and enqueues tasks. The only provider requests made here are reads: the balance (cached
briefly, never blocking the page) and the market search, both in market.py.
Every URL needs `purchases.buy_skins`.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from ..buy_lines import Plan, line_keys, load_lines, parse_ids, plan_lines
from ..forms import MAX_LINES, ChooseUserForm, ConfirmForm, MarketSearchForm, PickForm
from ..models import Item, ProviderCode, Purchase, SteamUser
from ..services import BuyError, CreateResult, purchases_create
from ..services.catalog import items_upsert
from ..services.create import max_price_cap
from .market import market_search, provider_balance, search_results

log = logging.getLogger(__name__)

PERMISSION = "purchases.buy_skins"


# -------------------------------------------------------------------------------------- urls


def purchase_urls(site: admin.AdminSite) -> list[URLPattern]:
    return [
        path("buy/confirm/", site.admin_view(confirm_view), name="purchases_buy_confirm"),
        path("buy/user/", site.admin_view(choose_user_view), name="purchases_buy_choose_user"),
    ]


def steam_user_urls(site: admin.AdminSite) -> list[URLPattern]:
    return [path("<int:pk>/buy/", site.admin_view(market_view), name="purchases_steamuser_buy")]


def confirm_url(steam_user: int, *, items: list[int] = (), replaces: list[int] = ()) -> str:
    query = {
        "steam_user": steam_user,
        "items": ",".join(map(str, items)),
        "replaces": ",".join(map(str, replaces)),
    }
    return reverse("admin:purchases_buy_confirm") + "?" + urlencode({k: v for k, v in query.items() if v})


def batch_url(batch_id: uuid.UUID) -> str:
    return reverse("admin:purchases_purchase_changelist") + f"?batch_id={batch_id}"


def can_buy(request: HttpRequest) -> bool:
    return request.user.has_perm(PERMISSION)


def _require_buy(request: HttpRequest) -> None:
    if not can_buy(request):
        raise PermissionDenied


def _render(request: HttpRequest, template: str, title: str, context: dict) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": title, "opts": Purchase._meta, **context}
    return TemplateResponse(request, f"admin/purchases/buy/{template}", context)


# -------------------------------------------------------------------------------------- entry points


def choose_user_view(request: HttpRequest) -> HttpResponse:
    _require_buy(request)
    ids = parse_ids(request.GET.get("items"))[:MAX_LINES]
    chosen = "steam_user" in request.GET or "steam_id" in request.GET
    form = ChooseUserForm(request.GET if chosen else None, initial={"items": ",".join(map(str, ids))})
    if chosen and form.is_valid():
        return redirect(
            confirm_url(form.cleaned_data["user"].pk, items=parse_ids(form.cleaned_data["items"]))
        )
    items = list(Item.objects.filter(pk__in=ids)) if ids else []
    return _render(
        request,
        "choose_user.html",
        "Buy for a Steam user",
        {"form": form, "items": items, "opts": Item._meta},
    )


def market_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A Steam user's "Buy skins" page: search the provider's market, tick, go to the confirmation."""
    _require_buy(request)
    user = get_object_or_404(SteamUser, pk=pk)
    searched = "name" in request.GET
    initial = {"provider": settings.DEFAULT_PROVIDER, "game": "cs2"}
    context: dict = {
        "steam_user": user,
        "opts": SteamUser._meta,
        "form": MarketSearchForm(request.GET if searched else None, initial=initial),
    }
    if request.method == "POST":
        pick = PickForm(request.POST)
        if pick.is_valid():
            provider, entries = pick.picked_entries()
            picked = items_upsert(provider=provider, entries=entries)
            return redirect(confirm_url(user.pk, items=picked))
        context.update(search_results(pick.results.get("p", ""), pick.results.get("e", [])), pick=pick)
    elif searched and context["form"].is_valid():
        context.update(market_search(**context["form"].cleaned_data))
    return _render(request, "search.html", f"Buy skins for {user}", context)


# -------------------------------------------------------------------------------------- confirmation


def confirm_view(request: HttpRequest) -> HttpResponse:
    _require_buy(request)
    if request.method == "POST":
        return _confirm_post(request)
    user = SteamUser.objects.filter(pk=(parse_ids(request.GET.get("steam_user")) or [0])[0]).first()
    items = parse_ids(request.GET.get("items"))
    if user is None:
        messages.warning(request, "Choose the Steam user who receives the items.")
        return redirect(reverse("admin:purchases_buy_choose_user") + "?items=" + ",".join(map(str, items)))
    keys = line_keys(items, parse_ids(request.GET.get("replaces")))
    if len(keys) > MAX_LINES:
        messages.warning(request, f"At most {MAX_LINES} items per batch: the first {MAX_LINES} are shown.")
    plan = plan_lines(*load_lines(keys[:MAX_LINES]))
    return _confirm_page(request, user, plan, ConfirmForm.initial_for(user, plan), fetch_balance=True)


def _confirm_post(request: HttpRequest) -> HttpResponse:
    keys = [key for key in request.POST.get("lines", "").split(",") if key][: MAX_LINES + 1]
    lines, unknown = load_lines(keys)
    form = ConfirmForm(request.POST, lines=lines, unknown=unknown)
    if not form.is_valid():
        return _confirm_again(request, form, lines, [])
    try:
        result = purchases_create(
            steam_user=form.cleaned_data["steam_user"],
            provider=plan_lines(lines, []).provider,
            lines=[] if form.submitted_before else form.buy_lines(),
            actor=request.user,
            batch_id=form.cleaned_data["batch_id"],
            source="admin",
        )
    except BuyError as error:
        return _confirm_again(request, form, lines, error.messages)
    return _landed(request, result)


def _confirm_again(request: HttpRequest, form: ConfirmForm, lines, problems: list[str]) -> HttpResponse:
    """The page again after a refusal: what can still be bought, the same batch_id, and every message."""
    user = form.cleaned_data.get("steam_user")
    if user is None:
        user = get_object_or_404(SteamUser, pk=(parse_ids(request.POST.get("steam_user")) or [0])[0])
    plan = plan_lines(lines, [])
    data = request.POST.copy()
    data["lines"] = ",".join(plan.keys)
    hidden = [f"{name}: {e}" for name in ("steam_user", "batch_id") for e in form.errors.get(name, [])]
    problems = [*form.non_field_errors(), *hidden, *problems]
    again = ConfirmForm(data, lines=plan.lines)
    return _confirm_page(request, user, plan, again, problems=problems, fetch_balance=False)


def _landed(request: HttpRequest, result: CreateResult) -> HttpResponseRedirect:
    count = len(result.purchases)
    if result.created:
        messages.success(
            request, f"{count} purchase{'s' if count != 1 else ''} created; the task cluster is buying them."
        )
    else:
        messages.info(
            request,
            f"This confirmation was submitted before: nothing new was created ({count} in the batch).",
        )
    return redirect(batch_url(result.batch_id))


def _confirm_page(
    request, user: SteamUser, plan: Plan, form: ConfirmForm, *, problems=(), fetch_balance: bool
):
    prices = form.max_prices()
    total = sum((p for p in prices if p is not None), Decimal("0")).quantize(Decimal("0.01"))
    balance = provider_balance(plan.provider, fetch=fetch_balance)
    context = {
        "steam_user": user,
        "plan": plan,
        "form": form,
        "problems": problems,
        "total": total,
        "incomplete": any(p is None for p in prices),
        "balance": balance,
        "cap": max_price_cap(),
        "rows": [(line, form[line.field_name]) for line in plan.lines],
        "provider_label": ProviderCode(plan.provider).label,
        "can_confirm": bool(plan.lines) and user.has_valid_trade_url,
        "short_of_funds": balance.amount is not None and total > balance.amount,
    }
    return _render(request, "confirm.html", "Confirm the purchase", context)
