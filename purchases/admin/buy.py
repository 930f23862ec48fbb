"""The buy pages: choose a Steam user, search the market, confirm. All three end on one confirmation page.

Pages of their ModelAdmins (Django's own style): `BuyPagesMixin` gives PurchaseAdmin the choose-a-user
page and the confirmation, `MarketPageMixin` gives SteamUserAdmin its "Buy skins" search page; each routes
its views in `get_urls` through `self.admin_site.admin_view`, and renders
`admin/purchases/<model>/<page>.html`.

Thin: the forms in purchases/forms.py parse and validate, the confirmation calls `purchases_create`, which
only writes rows (and their audit trail) and enqueues tasks. The only provider requests made here are
reads, all in market.py: the balance (cached briefly, never blocking the page), the market search, and on
showing the confirmation the re-read of stale prices (services/recheck.recheck_page; a failure is said,
not fatal).
Submitting the confirmation asks the provider nothing.

With more than one provider configured (routing.routing_enabled) each catalog line is bought where its skin
is cheapest (buy_routes.py); the operator may switch a line to another provider the page offers.
Every URL needs `purchases.buy_skins`.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse

from .. import permissions
from ..buy_lines import Line, Plan, SignedPlan, line_keys, load_lines, parse_ids, plan_lines
from ..buy_routes import as_signed, page_quotes, routable, route_lines
from ..forms import MAX_LINES, ChooseUserForm, ConfirmForm, MarketSearchForm, PickForm
from ..models import Item, SteamUser
from ..policy.funds import read_balance
from ..routing import buy_providers, provider_problems, routing_enabled
from ..services import BuyError, CreateResult, purchases_create
from ..services.catalog import items_upsert
from ..services.recheck import PageRecheck, recheck_page
from ..status import State
from .common import provider_label
from .confirm_page import confirm_context, confirm_url
from .market import market_search, search_results
from .market_rows import picked_ids, sort_context
from .pages import AdminPageMixin

PERMISSION = permissions.BUY
__all__ = ["MAX_LINES", "BuyPagesMixin", "MarketPageMixin", "batch_url", "can_buy", "confirm_url"]


def batch_url(batch_id: uuid.UUID) -> str:
    return reverse("admin:purchases_purchase_changelist") + f"?batch_id={batch_id}"


def can_buy(request: HttpRequest) -> bool:
    return request.user.has_perm(PERMISSION)


def _require_buy(request: HttpRequest) -> None:
    if not can_buy(request):
        raise PermissionDenied


# -------------------------------------------------------------------------------------- market


class MarketPageMixin(AdminPageMixin):
    """SteamUserAdmin's "Buy skins" page: search the provider's market, tick, go to the confirmation."""

    def get_urls(self):
        market = self.admin_site.admin_view(self.buy_view)
        return [path("<int:pk>/buy/", market, name="purchases_steamuser_buy"), *super().get_urls()]

    def buy_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require_buy(request)
        user = get_object_or_404(SteamUser, pk=pk)
        searched = "name" in request.GET
        form = MarketSearchForm(request.GET if searched else None, initial={"game": "cs2"})
        context: dict = {"steam_user": user, "form": form, "best_market": provider_label(form.best_market())}
        valid = searched and form.is_valid()
        if valid:  # the table heads: the same search in another order
            context.update(sort_context(request.GET, form.cleaned_data["sort"]))
        if request.method == "POST":
            pick = PickForm(request.POST)
            if pick.is_valid():
                provider, entries = pick.picked_entries()
                picked = items_upsert(provider=provider, entries=entries)
                # "Best price": the confirmation routes each line; a provider named: it is preferred there
                via = form.via() if valid else ""
                return redirect(confirm_url(user.pk, items=picked, via=via))
            ticked = request.POST.getlist("picked")
            rows = pick.results.get("e", [])
            context.update(search_results(pick.results.get("p", ""), rows, ticked), pick=pick)
        elif valid:  # a search re-sorted from a table head keeps what was ticked (`picked`)
            search = {**form.cleaned_data, "provider": form.market()}
            context.update(market_search(**search, ticked=picked_ids(request.GET)))
        return self.render_page(request, "buy", f"Buy skins for {user}", context)


# -------------------------------------------------------------------------------------- confirmation


class BuyPagesMixin(AdminPageMixin):
    """PurchaseAdmin's buy pages: who receives the items, and the one confirmation page of every buy."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("buy/confirm/", view(self.buy_confirm_view), name="purchases_buy_confirm"),
            path("buy/user/", view(self.buy_choose_user_view), name="purchases_buy_choose_user"),
            *super().get_urls(),
        ]

    def buy_choose_user_view(self, request: HttpRequest) -> HttpResponse:
        _require_buy(request)
        ids = parse_ids(request.GET.get("items"))[:MAX_LINES]
        chosen = "steam_user" in request.GET or "steam_id" in request.GET
        initial = {"items": ",".join(map(str, ids))}
        form = ChooseUserForm(request.GET if chosen else None, initial=initial, admin_site=self.admin_site)
        if chosen and form.is_valid():
            items = parse_ids(form.cleaned_data["items"])
            if not items:  # the dashboard's "Buy skins": who first, then their market search
                return redirect("admin:purchases_steamuser_buy", form.cleaned_data["user"].pk)
            return redirect(confirm_url(form.cleaned_data["user"].pk, items=items))
        context = {"form": form, "opts": Item._meta}
        context["items"] = list(Item.objects.filter(pk__in=ids)) if ids else []
        return self.render_page(request, "buy_choose_user", "Buy for a Steam user", context)

    def buy_confirm_view(self, request: HttpRequest) -> HttpResponse:
        _require_buy(request)
        if request.method == "POST":
            return self._confirm_post(request)
        user = SteamUser.objects.filter(pk=(parse_ids(request.GET.get("steam_user")) or [0])[0]).first()
        items = parse_ids(request.GET.get("items"))
        if user is None:
            messages.warning(request, "Choose the Steam user who receives the items.")
            query = "?items=" + ",".join(map(str, items))
            return redirect(reverse("admin:purchases_buy_choose_user") + query)
        keys = line_keys(items, parse_ids(request.GET.get("replaces")))
        if len(keys) > MAX_LINES:
            messages.warning(
                request, f"At most {MAX_LINES} items per batch: the first {MAX_LINES} are shown."
            )
        via = request.GET.get("via", "")
        plan, recheck = _plan_rechecked(keys[:MAX_LINES], user.pk, via if via in buy_providers() else "")
        form = ConfirmForm.initial_for(user, plan)
        return self._confirm_page(request, user, plan, form, fetch_balance=True, recheck=recheck)

    def _confirm_post(self, request: HttpRequest) -> HttpResponse:
        signed = _signed_plan(request)
        lines, unknown = load_lines(signed.keys if signed else [])  # only what the page computed
        form = ConfirmForm(request.POST, lines=lines, unknown=unknown, signed=signed)
        if not form.is_valid():
            return self._confirm_again(request, form, lines, [])
        buy: list[Line] = []
        if not form.submitted_before:  # each routed line from a listing its page offered (signed)
            problems = provider_problems() if signed.offers else {}
            routed, said = as_signed(lines, signed, form.selected(), problems)
            plan = plan_lines(routed, [])
            if said or plan.skipped:
                return self._confirm_again(
                    request, form, lines, [*said, *(f"{s.label}: {s.reason}." for s in plan.skipped)]
                )
            buy = plan.lines
        try:
            result = purchases_create(
                steam_user=form.cleaned_data["steam_user"],
                lines=form.buy_lines(buy),
                actor=request.user,
                batch_id=form.cleaned_data["batch_id"],
                source="admin",
                over_balance_ok=form.cleaned_data.get("over_balance", False),
            )
        except BuyError as error:
            return self._confirm_again(request, form, lines, error.messages)
        return _landed(request, result)

    def _confirm_again(self, request, form: ConfirmForm, lines, problems: list[str]) -> HttpResponse:
        """The page again after a refusal: what can still be bought (each line routed again on the current
        catalog, the operator's provider kept where it can buy), the same batch_id, and every message."""
        user = form.cleaned_data.get("steam_user")
        if user is None:
            user = get_object_or_404(SteamUser, pk=(parse_ids(request.POST.get("steam_user")) or [0])[0])
        prefer = {line.key: request.POST.get(f"via_{line.key}", "") for line in lines}
        routed = route_lines(lines, problems=_problems(lines, fetch=False), prefer=prefer)
        plan = plan_lines(routed, [])
        data = request.POST.copy()
        data["lines"] = ",".join(plan.keys)
        data.update({f"via_{line.key}": line.provider for line in plan.lines if line.offers})
        batch_id = form.cleaned_data.get("batch_id")
        # the page shown again is computed here: it signs what it shows, under the same batch
        data["plan"] = SignedPlan.of(user.pk, str(batch_id), plan).dumps() if batch_id else ""
        hidden = [f"{name}: {e}" for name in ("steam_user", "batch_id") for e in form.errors.get(name, [])]
        # a provider the page did not offer: said here, the select shown again offers what can buy now
        hidden += [f"{line.name}: {e}" for line in lines for e in form.errors.get(f"via_{line.key}", [])]
        problems = [*form.non_field_errors(), *hidden, *problems]
        again = ConfirmForm(data, lines=plan.lines)
        return self._confirm_page(request, user, plan, again, problems=problems, fetch_balance=False)

    def _confirm_page(self, request, user: SteamUser, plan: Plan, form: ConfirmForm, **options):
        context = confirm_context(user, plan, form, actor=request.user, **options)
        return self.render_page(request, "buy_confirm", "Confirm the purchase", context)


def _signed_plan(request: HttpRequest) -> SignedPlan | None:
    try:
        return SignedPlan.loads(request.POST.get("plan", ""))
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None


def _problems(lines: list[Line], *, fetch: bool) -> dict[str, str]:
    """What stops each provider from buying now (routing.provider_problems), after reading the balances of
    the providers that list the lines' skins (`fetch`; cached briefly), so a low balance is known."""
    if not routing_enabled() or not any(routable(line) for line in lines):
        return {}
    if fetch:
        quoted = page_quotes(line.item.skin for line in lines if routable(line))
        codes = dict.fromkeys(quote.provider for quotes in quoted.values() for quote in quotes)
        for code in codes:
            read_balance(code, fetch=True)
    return provider_problems()


def _plan_rechecked(keys: list[str], steam_user_id: int, via: str = "") -> tuple[Plan, PageRecheck]:
    """The plan of `keys`, routed, after re-reading its stale listings at their providers (reads, before any
    buy): the chosen ones first, then those a line may be switched to; then routed again on what was read.
    `via`: the provider the operator searched at, preferred where it can buy."""
    lines, unknown = load_lines(keys)
    problems = _problems(lines, fetch=True)
    prefer = dict.fromkeys(keys, via) if via else None
    plan = plan_lines(route_lines(lines, problems=problems, prefer=prefer), unknown, steam_user_id)
    recheck = recheck_page(_reread_order(plan, lines))
    if not recheck.checked:
        return plan, recheck
    lines, unknown = load_lines(keys)  # as the re-read stored them (it may have changed any listing)
    routed = route_lines(lines, problems=problems, prefer=prefer)
    return plan_lines([_price_before(line, recheck) for line in routed], unknown, steam_user_id), recheck


def _reread_order(plan: Plan, lines: list[Line]) -> list[Item]:
    """The listings to re-read when stale: each line's own (the chosen one), then the others a line may be
    switched to, then the off-sale items of lines left out (a "not on sale" older than the freshness window
    is read again like a stale price: it may be back)."""
    items = [line.item for line in plan.lines if line.item]
    offered = {pk for line in plan.lines for pk in line.offers.values()}
    items += [
        option.quote.item
        for line in plan.lines
        if line.choice is not None
        for option in line.choice.options
        if option.quote.item.pk in offered
    ]
    allowed = buy_providers()
    items += [line.item for line in lines if line.item and not line.available and line.provider in allowed]
    return items


def _price_before(line: Line, recheck: PageRecheck) -> Line:
    """A line's "was" price: its listing's (the routed one's) before the re-read changed it."""
    if line.item is None:
        return line
    return replace(line, price_before=recheck.changed.get(line.item.pk))


def _landed(request: HttpRequest, result: CreateResult) -> HttpResponseRedirect:
    count = len(result.purchases)
    held = sum(1 for p in result.purchases if p.state == State.AWAITING_APPROVAL)
    if result.created and held:
        queued = count - held
        text = (
            f"{count} purchase{'s' if count != 1 else ''} created: {held} wait{'s' if held == 1 else ''} "
            "for an approver (nothing of those is sent until a user of the group Approvers approves)"
            + (f"; the task cluster is buying the other {queued}." if queued else ".")
        )
        messages.warning(request, text)
    elif result.created:
        text = f"{count} purchase{'s' if count != 1 else ''} created; the task cluster is buying them."
        messages.success(request, text)
    else:
        text = f"This confirmation was submitted before: nothing new was created ({count} in the batch)."
        messages.info(request, text)
    return redirect(batch_url(result.batch_id))
