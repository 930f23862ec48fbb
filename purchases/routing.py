"""Best price across providers: where each line is bought, and where a refused line fails over.

A line's skin (purchases/skins.py) is quoted at every provider an account is kept at (BUY_PROVIDERS) from
the catalog (purchases/quotes.py: the cheapest listing on sale). A quote can be bought when the provider is
not paused, not low on balance and answered its last requests, and the price is at or under the line's max
price. The cheapest that can be bought is chosen; what it saves is the next best quote minus its price.

Reads only: the confirmation page, `buy_skins --provider best` and the failover (services/failover.py) all
call `route`, and `purchases_create` records the choice on the purchase (route, route_quotes, route_saving).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from .models import BuyingPause, ProviderCall, ProviderCode, Route
from .money import usd
from .policy.balance import LOW, balance_report
from .providers import PROVIDERS
from .quotes import Quote, quotes

#: outcomes of a provider request that say the provider itself is not serving (providers/wire.py)
DOWN_OUTCOMES = frozenset({"timeout", "http_error"})
#: refusal words that say the same (maintenance, rate limit, market switched off)
DOWN_WORDS = frozenset({"under_maintenance", "request_limit_exceeded", "request_timeout", "market_disabled"})
DOWN_CODES = frozenset({"-9"})  # SkinsBack's under_maintenance
CENT = Decimal("0.01")
HEALTH_CALLS = 2
#: provider_problems' words for a pause: the one problem that stops a line even when no other can buy it
PAUSED = "buying is paused"  # the provider's newest requests looked at: all of them failed -> skipped


def buy_providers() -> list[str]:
    """The providers an account is kept at, in the settings' order (unknown codes are left out: the
    system check purchases.E005 names them)."""
    return [code for code in settings.BUY_PROVIDERS if code in PROVIDERS]


def routing_enabled() -> bool:
    """ "Best price" is offered (and the default) when more than one provider is configured."""
    return len(buy_providers()) > 1


def label(provider: str) -> str:
    return ProviderCode(provider).label if provider in ProviderCode.values else provider


# ------------------------------------------------------------------------------ can a provider buy now


def provider_problems(providers: Iterable[str] | None = None) -> dict[str, str]:
    """{provider: why no new line is bought there now} for those that cannot ("" keys are left out):
    paused, low on balance, or its last requests failed. Three small queries and one cache read."""
    codes = list(providers if providers is not None else buy_providers())
    problems: dict[str, str] = {}
    paused = set(BuyingPause.objects.filter(provider__in=["", *codes]).values_list("provider", flat=True))
    low = {state.provider: state for state in balance_report() if state.state == LOW}
    for code in codes:
        if "" in paused or code in paused:
            problems[code] = PAUSED
        elif code in low:
            problems[code] = f"balance low ({usd(low[code].usd)})"
        else:
            down = unhealthy(code)
            if down:
                problems[code] = down
    return problems


def unhealthy(provider: str) -> str:
    """Why `provider` looks down: its newest requests within the health window all failed as a provider
    that is not serving fails (unreachable, 5xx, maintenance, rate limited). '' when it looks fine or was
    not asked lately (no evidence is not bad evidence)."""
    since = timezone.now() - timedelta(minutes=int(settings.PROVIDER_HEALTH_WINDOW_MINUTES))
    calls = list(
        ProviderCall.objects.filter(provider=provider, started_at__gte=since)
        .order_by("-started_at", "-id")
        .values("outcome", "error_code", "error_message", "started_at")[:HEALTH_CALLS]
    )
    if not calls or not all(_down(call) for call in calls):
        return ""
    newest = calls[0]
    what = newest["error_message"] or newest["outcome"].replace("_", " ")
    minutes = int(settings.PROVIDER_HEALTH_WINDOW_MINUTES)
    return f"its last {len(calls)} request(s) failed in the last {minutes} min ({what[:60]})"


def _down(call: dict) -> bool:
    if call["outcome"] in DOWN_OUTCOMES:
        return True
    return call["error_message"] in DOWN_WORDS or call["error_code"] in DOWN_CODES


# ------------------------------------------------------------------------------------------- choosing


@dataclass(frozen=True)
class Option:
    """One provider's quote for a line, and why it cannot be bought ('' when it can)."""

    quote: Quote
    why_not: str = ""
    #: the provider cannot buy anything now (paused, balance low, not answering): no alternative either
    blocked: bool = False

    @property
    def provider(self) -> str:
        return self.quote.provider

    @property
    def price(self) -> Decimal:
        return self.quote.price

    @property
    def buyable(self) -> bool:
        return not self.why_not


@dataclass(frozen=True)
class Choice:
    """Every provider's option for one skin (cheapest first) and the one chosen (None: none can buy)."""

    options: list[Option] = field(default_factory=list)
    chosen: Option | None = None
    route: str = ""

    @property
    def quotes(self) -> dict[str, str]:
        """What each provider quoted, as the purchase records it: {"skinify": "11.90", ...}."""
        return {option.provider: _amount(option.price) for option in self.options}

    @property
    def next_best(self) -> Option | None:
        """The cheapest quote of another provider than the chosen one that could sell now (a paused or
        silent provider's price was no alternative; one above the max price still tells the market)."""
        if self.chosen is None:
            return None
        return next((o for o in self.options if o.provider != self.chosen.provider and not o.blocked), None)

    @property
    def saving(self) -> Decimal | None:
        """The next best quote minus the chosen one (None: no other provider could have sold it)."""
        other = self.next_best
        if other is None or self.chosen is None:
            return None
        return other.price - self.chosen.price

    def option(self, provider: str) -> Option | None:
        return next((o for o in self.options if o.provider == provider), None)


def _amount(price: Decimal) -> str:
    """`12.40` (cents, as the providers price), or every digit when a price has more."""
    cents = price.quantize(CENT)
    return f"{cents:f}" if cents == price else f"{price.normalize():f}"


def choose(
    skin: str,
    *,
    max_price: Decimal | None,
    problems: Mapping[str, str],
    prefer: str = "",
    exclude: Iterable[str] = (),
) -> Choice:
    """The options for `skin` and the one to buy: `prefer` when the operator switched the line to it and it
    can buy, else the cheapest that can. `max_price` None: any price (the page derives it afterwards)."""
    skipped = set(exclude)
    allowed = set(buy_providers())
    quoted = [q for q in quotes(skin) if q.provider in allowed and q.provider not in skipped]
    return choose_among(quoted, max_price=max_price, problems=problems, prefer=prefer)


def choose_lenient(
    quoted: list[Quote], *, max_price: Decimal | None, problems: Mapping[str, str], prefer: str = ""
) -> Choice:
    """`choose_among` for a line an operator asked for: when no provider can buy it only because of
    warnings (a balance under the alert level, recent failed requests), the cheapest of those within the
    max price, its warning kept (the balance check of purchases_create decides); a pause still stops it.
    A back-office with one provider whose balance is under the alert level must still buy."""
    choice = choose_among(quoted, max_price=max_price, problems=problems, prefer=prefer)
    if choice.chosen is not None or not choice.options:
        return choice
    stops = {code: why for code, why in problems.items() if why == PAUSED}
    fallback = choose_among(quoted, max_price=max_price, problems=stops, prefer=prefer)
    if fallback.chosen is None:
        return choice
    return Choice(choice.options, choice.option(fallback.chosen.provider), fallback.route)


def choose_among(
    quoted: list[Quote], *, max_price: Decimal | None, problems: Mapping[str, str], prefer: str = ""
) -> Choice:
    """The rule of `choose` on quotes already read (cheapest first; a page reads all its skins at once)."""
    options = [
        Option(quote, _why_not(quote, max_price, problems), quote.provider in problems) for quote in quoted
    ]
    chosen = cheapest = next((o for o in options if o.buyable), None)
    preferred = next((o for o in options if o.provider == prefer and o.buyable), None)
    if preferred is not None:
        chosen = preferred
    if chosen is None or len(options) < 2:  # nothing to choose between: not routed
        return Choice(options, chosen, "")
    return Choice(options, chosen, Route.BEST if chosen is cheapest else Route.OPERATOR)


def _why_not(quote: Quote, max_price: Decimal | None, problems: Mapping[str, str]) -> str:
    if quote.provider in problems:
        return problems[quote.provider]
    if max_price is not None and quote.price > max_price:
        return f"{usd(quote.price)} is above the max price {usd(max_price)}"
    return ""
