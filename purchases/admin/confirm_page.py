"""What the confirmation page shows: the lines and their max prices, the balance, the price re-read, and
what the payout controls will do on submit (policy.controls.decide, read without locks: the submit runs
the same rules under the lock, so the page never promises what the service refuses). With several
providers: where each line is bought and what that saves, and each provider's balance (confirm_routes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ..ages import clock
from ..buy_lines import Plan
from ..forms import ConfirmForm
from ..models import SteamUser
from ..policy.controls import decide
from ..services.create import max_price_cap
from ..services.recheck import FRESH_FOR, MAX_READS, Recheck
from .common import provider_label
from .confirm_routes import provider_figures, route_view, saving_total


def confirm_url(steam_user: int, *, items: list[int] = (), replaces: list[int] = (), via: str = "") -> str:
    """The confirmation of `items` (and purchases bought again) for a Steam user; `via`: the provider the
    operator searched at, preferred for the lines where it can buy."""
    query = {
        "steam_user": steam_user,
        "items": ",".join(map(str, items)),
        "replaces": ",".join(map(str, replaces)),
        "via": via,
    }
    return reverse("admin:purchases_buy_confirm") + "?" + urlencode({k: v for k, v in query.items() if v})


@dataclass(frozen=True)
class PreviewLine:
    label: str
    max_price: Decimal
    pay_again: bool = False


def recheck_text(recheck: Recheck | None, label: str) -> str:
    """What the page says about the prices it shows: re-read now, not asked again, or not answered."""
    if recheck is None:  # the page shown again after a refusal: the POST asks the provider nothing
        return "not read again on this page: each line says when its price was read"
    label = getattr(recheck, "label", "") or label  # the providers asked (services.recheck.PageRecheck)
    if recheck.error:
        failed = getattr(recheck, "failed_label", "") or label
        return (
            f"{failed} did not answer the price check ({recheck.error}): the prices below are the catalog's, "
            "read when each line says. Nothing is blocked."
        )
    if not recheck.asked:
        return f"all read in the last {FRESH_FOR.seconds // 60} minutes: not asked again"
    text = (
        f"re-read from {label} at {clock(recheck.read_at)}: {len(recheck.checked)} checked, "
        f"{len(recheck.changed)} changed, {len(recheck.gone)} no longer on sale"
    )
    if recheck.unread:
        text += f"; {recheck.unread} not re-read (at most {MAX_READS} requests per page)"
    return text


def leave_out_url(user: SteamUser, plan: Plan, below: set[str]) -> str:
    """This confirmation without the lines that cannot succeed at their max price."""
    keys = [key for key in plan.keys if key not in below]
    if not keys or not below:
        return ""
    items = [int(k[1:]) for k in keys if k[0] == "i"]
    return confirm_url(user.pk, items=items, replaces=[int(k[1:]) for k in keys if k[0] == "r"])


def confirm_context(
    user: SteamUser, plan: Plan, form: ConfirmForm, *, actor, problems=(), fetch_balance: bool, recheck=None
):
    prices = form.max_prices()
    total = sum((p for p in prices if p is not None), Decimal("0")).quantize(Decimal("0.01"))
    routes = [route_view(line) for line in plan.lines]
    providers = provider_figures(plan, prices, routes, fetch=fetch_balance)
    balance = providers[0].balance
    below = form.below_price_keys()
    label = " and ".join(provider_label(code) for code in plan.providers)
    controls = preview(user, actor, plan, prices)
    above_cap = {line.key for line in plan.lines if line.key in below and line.above_cap}
    saving, quoted = saving_total(routes)
    return {
        **spend_figures(plan, balance.amount),
        "above_cap_count": len(above_cap),
        # a line priced above the cap cannot be bought at any allowed max price: only leaving it out helps
        "only_above_cap": bool(below) and above_cap == below,
        "steam_user": user,
        "plan": plan,
        "form": form,
        "problems": problems,
        "total": total,
        "incomplete": any(p is None for p in prices),
        "balance": balance,
        "providers": providers,
        "several": len(providers) > 1,
        "routed": any(routes),
        "saving_total": saving,
        "saving_lines": quoted,
        "cap": max_price_cap(),
        "rows": [
            (
                line,
                form[line.field_name],
                line.key in below,
                form[f"again_{line.key}"],
                controls.repeats.get(line.name, []),
                controls.reasons(n),
                leave_out_url(user, plan, {line.key}) if line.above_cap else "",
                route,
            )
            for n, (line, route) in enumerate(zip(plan.lines, routes, strict=True))
        ],
        "controls": controls,
        "repeat_hours": settings.PAYOUT_REPEAT_WINDOW_HOURS,
        "approval_expires": settings.PAYOUT_APPROVAL_EXPIRES_HOURS,
        "held_count": len(controls.held),
        "below_count": len(below),
        "leave_out_url": leave_out_url(user, plan, below),
        "recheck": recheck_text(recheck, label),
        "recheck_failed": bool(recheck and recheck.error),
        "provider_label": label,
        "can_confirm": bool(plan.lines) and user.has_valid_trade_url,
        "short_of_funds": any(figures.short for figures in providers),
        "short": [figures for figures in providers if figures.short],
    }


def spend_figures(plan: Plan, balance: Decimal | None) -> dict:
    """What the batch is expected to cost (the current prices), the tolerance that makes the default max
    prices, and the balance left after the expected spend."""
    known = [line.price for line in plan.lines if line.price is not None]
    expected = sum(known, Decimal("0")).quantize(Decimal("0.01"))
    tolerance = (Decimal(str(settings.BUY_PRICE_TOLERANCE)) * 100).normalize()
    return {
        "expected": expected,
        "expected_incomplete": len(known) < len(plan.lines),
        "tolerance_percent": f"{tolerance:f}",
        "balance_after": balance - expected if balance is not None else None,
    }


def preview(user: SteamUser, actor, plan: Plan, prices: list[Decimal | None]):
    """What the payout controls say of these lines as shown (repeats, holds, limits); the balance is
    compared on the page itself (short_of_funds), so it is left out here."""
    lines = [
        PreviewLine(line.name, price or Decimal("0")) for line, price in zip(plan.lines, prices, strict=True)
    ]
    return decide(steam_user=user, actor=actor, lines=lines, now=timezone.now())
