"""What the confirmation page shows of routing (issue 22): per line every provider's price and why one
cannot buy, the one the best price chose, the provider the line is bought from (a select of those the page
offers) and what that saves against the next best; per provider its balance, the lines bought there and
the balance after them.

Figures only: buy_routes.py routes the lines, static/backoffice/buy.js keeps the figures in step when a line
is switched (the server computes them again on submit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..buy_lines import Line, Plan
from ..money import usd
from ..routing import Choice, Option, label
from ..services.create import default_max_price
from .market import BalanceView, provider_balance


@dataclass(frozen=True)
class OptionView:
    """One provider's quote for a line, as the page shows it."""

    provider: str
    label: str
    price: Decimal
    why_not: str  # why it cannot buy now ('' when it can)
    best: bool  # the best price's choice: the cheapest that can buy
    offered: bool  # the line may be switched to it
    saving: Decimal | None  # the next best other provider's quote minus this one (None: no other)
    saving_text: str

    @property
    def default_max(self) -> Decimal | None:
        return default_max_price(self.price)


@dataclass(frozen=True)
class RouteView:
    """A routed line's providers: every option (cheapest first) and the one it is bought from."""

    key: str
    options: list[OptionView]
    selected: str
    warning: str = ""  # bought where a warning stands, no other provider being able to buy it

    @property
    def offered(self) -> list[OptionView]:
        return [o for o in self.options if o.offered]

    @property
    def switchable(self) -> bool:
        return len(self.offered) > 1

    @property
    def chosen(self) -> OptionView:
        return next(o for o in self.options if o.provider == self.selected)

    @property
    def field_name(self) -> str:
        return f"via_{self.key}"


def route_view(line: Line) -> RouteView | None:
    """The providers of a routed line; None for a line bought from its one provider (bought again, or one
    provider configured)."""
    choice = line.choice
    if choice is None or choice.chosen is None:
        return None
    best = _best(choice)
    views = [
        OptionView(
            option.provider,
            label(option.provider),
            option.price,
            option.why_not,
            option is best,
            option.provider in line.offers,
            *_saving(option, choice.options),
        )
        for option in choice.options
    ]
    chosen = choice.option(line.provider)
    warning = ""
    if chosen is not None and chosen.why_not:
        warning = f"no provider can buy it without a warning: bought at {label(chosen.provider)} anyway"
    return RouteView(line.key, views, line.provider, warning)


def _best(choice: Choice) -> Option | None:
    """What the best price chooses without the operator: the cheapest that can buy (the chosen one when
    none can without a warning)."""
    return next((o for o in choice.options if o.buyable), None) or choice.chosen


def _saving(option: Option, options: Sequence[Option]) -> tuple[Decimal | None, str]:
    """Against the next best quote of another provider (routing.Choice.saving's rule)."""
    other = next((o for o in options if o.provider != option.provider), None)
    if other is None:
        return None, f"only {label(option.provider)} lists it"
    saving = other.price - option.price
    if saving > 0:
        return saving, f"saves {usd(saving)} against {label(other.provider)}"
    if saving == 0:
        return saving, f"the same price at {label(other.provider)}"
    return saving, f"costs {usd(-saving)} more than {label(other.provider)}"


def selected_option(route: RouteView | None, selected: str) -> OptionView | None:
    if route is None:
        return None
    return next((o for o in route.options if o.provider == selected), None)


def saving_total(routes: Sequence[RouteView | None]) -> tuple[Decimal, int]:
    """What the lines as bought save against the next best provider of each, and how many lines were
    quoted at more than one provider."""
    quoted = [r.chosen for r in routes if r is not None and r.chosen.saving is not None]
    return sum((o.saving for o in quoted), Decimal("0")), len(quoted)


# ------------------------------------------------------------------------------------------ per provider


@dataclass(frozen=True)
class ProviderFigures:
    """One provider of the page: its balance, the lines bought there, their expected and maximum spend."""

    code: str
    label: str
    balance: BalanceView
    lines: int
    expected: Decimal
    maximum: Decimal

    @property
    def after(self) -> Decimal | None:
        """The balance after the expected spend (None: the balance is not known)."""
        return self.balance.amount - self.expected if self.balance.amount is not None else None

    @property
    def short(self) -> bool:
        """The lines' total max price is above the balance (the service refuses it unless sent anyway)."""
        return self.balance.amount is not None and self.maximum > self.balance.amount


def provider_figures(
    plan: Plan, max_prices: Sequence[Decimal | None], routes: Sequence[RouteView | None], *, fetch: bool
) -> list[ProviderFigures]:
    """The providers the lines are bought from (the first line's first), then those a line may be switched
    to; each balance read once (cached briefly, market.provider_balance)."""
    offered = [o.provider for r in routes if r is not None for o in r.offered]
    codes = list(dict.fromkeys([*plan.providers, *offered]))
    figures = []
    for code in codes:
        lines = [(line, m) for line, m in zip(plan.lines, max_prices, strict=True) if line.provider == code]
        expected = sum((line.price for line, _ in lines if line.price is not None), Decimal("0"))
        maximum = sum((m for _, m in lines if m is not None), Decimal("0"))
        balance = provider_balance(code, fetch=fetch)
        figures.append(ProviderFigures(code, label(code), balance, len(lines), expected, maximum))
    return figures
