"""Where each line of a confirmation page is bought (issue 22): its skin quoted at every configured provider,
the line bought from the chosen provider's cheapest listing on sale.

The rule is routing.choose's (the cheapest quote that can buy; the operator's `prefer` when it can buy), on
quotes read for every line of a page in one query (`page_quotes`: routing.choose reads one skin per query,
and a page has up to 500 lines). One addition for a page: when no provider can buy a line only because of
warnings (a balance under the alert threshold, a provider whose last requests failed), the line stays at the
cheapest of those, its warning shown, and the service's own checks decide (the balance against the batch's
total); a pause stops it.

`route_lines` routes a page's lines (GET, and the page shown again); `as_signed` routes a POST's lines to the
listings the page offered (buy_lines.SignedPlan), so a POST can only choose among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from .buy_lines import Line, SignedPlan
from .models import Item
from .quotes import Quote
from .routing import Choice, buy_providers, choose_lenient, label, routing_enabled
from .services.create import default_max_price


def page_quotes(skins: Iterable[str]) -> dict[str, list[Quote]]:
    """{skin: the cheapest listing on sale at each configured provider, cheapest first}: one query for every
    skin of a page (a window ranks each skin's listings per provider; purchases/quotes.py's rule)."""
    wanted = sorted({skin for skin in skins if skin})
    if not wanted:
        return {}
    rank = Window(RowNumber(), partition_by=[F("skin"), F("provider")], order_by=[F("price").asc(), F("pk")])
    on_sale = Item.objects.filter(available=True, price__isnull=False, provider__in=buy_providers())
    rows = on_sale.filter(skin__in=wanted).annotate(rank=rank).filter(rank=1).order_by("price", "pk")
    quoted: dict[str, list[Quote]] = {}
    for item in rows:
        quoted.setdefault(item.skin, []).append(Quote(item.provider, item))
    return quoted


def line_choice(quoted: list[Quote], *, problems: Mapping[str, str], prefer: str = "") -> Choice:
    """routing.choose_lenient with no max price: the page derives the max price from the chosen price."""
    return choose_lenient(quoted, max_price=None, problems=problems, prefer=prefer)


def offers_of(quoted: list[Quote], choice: Choice, problems: Mapping[str, str]) -> dict[str, int]:
    """{provider: item pk} of the options the line may be switched to: those `line_choice` would buy when
    preferred (the chosen one first)."""
    if choice.chosen is None:
        return {}
    offers = {choice.chosen.provider: choice.chosen.quote.item.pk}
    for option in choice.options:
        again = line_choice(quoted, problems=problems, prefer=option.provider).chosen
        if again is not None and again.provider == option.provider:
            offers.setdefault(option.provider, option.quote.item.pk)
    return offers


def routed(line: Line, choice: Choice, offers: dict[str, int], item: Item | None = None) -> Line:
    """`line` bought from the chosen option's listing (or `item`, the listing a page offered there)."""
    item = item or choice.chosen.quote.item
    return replace(
        line,
        provider=item.provider,
        price=item.price,
        default_max=default_max_price(item.price),
        available=item.available,
        item=item,
        choice=choice,
        offers=offers,
    )


def routable(line: Line) -> bool:
    """A catalog line (bought again, a line keeps its provider)."""
    return line.replaces is None and line.item is not None and bool(line.item.skin)


def route_lines(
    lines: list[Line], *, problems: Mapping[str, str], prefer: Mapping[str, str] | None = None
) -> list[Line]:
    """Each catalog line at its skin's cheapest provider that can buy (`prefer`: {key: provider} the operator
    chose), one query for the page. Lines whose skin no provider lists on sale stay as they are. Two lines
    of one skin never buy one listing: the second is quoted its own listing there, or not that provider."""
    if not routing_enabled():
        return lines
    quotes = page_quotes(line.item.skin for line in lines if routable(line))
    prefer = prefer or {}
    taken = {line.item.pk for line in lines if line.item is not None and not routable(line)}
    out = []
    for line in lines:
        quoted = _untaken(quotes.get(line.item.skin, []), line.item, taken) if routable(line) else []
        if not quoted:
            out.append(line)
            continue
        choice = line_choice(quoted, problems=problems, prefer=prefer.get(line.key, ""))
        if choice.chosen is None:
            out.append(replace(line, choice=choice))  # plan_lines skips it with each provider's reason
            continue
        out.append(routed(line, choice, offers_of(quoted, choice, problems)))
        taken.add(choice.chosen.quote.item.pk)
    return out


def _untaken(quoted: list[Quote], picked: Item, taken: set[int]) -> list[Quote]:
    """The quotes whose listing no earlier line of the page buys; where one does, the picked item itself
    when it is listed at that provider (the operator ticked two listings of one skin)."""
    own = picked.available and picked.price is not None and picked.pk not in taken
    kept = []
    for quote in quoted:
        if quote.item.pk not in taken:
            kept.append(quote)
        elif own and picked.provider == quote.provider:
            kept.append(Quote(picked.provider, picked))
    return sorted(kept, key=lambda quote: (quote.price, quote.item.pk))


def as_signed(
    lines: list[Line], signed: SignedPlan, selected: Mapping[str, str], problems: Mapping[str, str]
) -> tuple[list[Line], list[str]]:
    """A POST's lines: each routed line bought from the listing its page offered at the provider selected
    (`selected`, else the page's choice), the choice re-run on the current catalog prices for the record
    (route, quotes, saving). A provider that cannot buy it any more is said, never silently replaced."""
    pks = {pk for offers in signed.offers.values() for pk in offers.values()}
    items = Item.objects.in_bulk(pks) if pks else {}
    quotes = page_quotes(item.skin for item in items.values())
    out, said = [], []
    taken = {line.item.pk for line in lines if line.item is not None and not signed.offers.get(line.key)}
    for line in lines:
        offers = signed.offers.get(line.key)
        if not offers or line.replaces is not None:
            out.append(line)
            continue
        provider = selected.get(line.key) or signed.chosen.get(line.key, "")
        item = items.get(offers.get(provider, 0))
        if item is None:  # the form offers only these: a page of another version, or a listing deleted since
            said.append(f"{line.name}: the listing shown at {label(provider)} is gone: check the line again.")
            out.append(line)
            continue
        quoted = _untaken(quotes.get(item.skin, []), item, taken)
        choice = line_choice(quoted, problems=problems, prefer=provider)
        why = _cannot_buy(choice, provider, item)
        if item.pk in taken:  # two lines switched to one listing
            why = "another line of this page buys the same listing there"
        taken.add(item.pk)
        if why:
            said.append(f"{line.name}: {label(provider)} cannot buy it now ({why}): choose another provider.")
        out.append(routed(line, choice, offers, item) if choice.chosen else line)
    return out, said


def _cannot_buy(choice: Choice, provider: str, item: Item) -> str:
    if not item.available:
        return "the listing shown is no longer on sale"
    if choice.chosen is not None and choice.chosen.provider == provider:
        return ""
    option = choice.option(provider)
    return option.why_not if option is not None and option.why_not else "no longer on sale there"
