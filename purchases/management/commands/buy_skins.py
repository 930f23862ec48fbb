import dataclasses
import json
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from purchases.models import Game, Item, Purchase, SteamUser
from purchases.money import usd
from purchases.providers import PROVIDERS
from purchases.quotes import quotes
from purchases.routing import (
    PAUSED,
    Choice,
    buy_providers,
    choose_lenient,
    label,
    provider_problems,
    routing_enabled,
)
from purchases.services import (
    BuyError,
    BuyLine,
    default_max_price,
    purchases_create,
    purchases_send,
    purchases_sync,
)
from purchases.services.create import provider_chunks
from purchases.skins import skin_key
from purchases.status import UNSETTLED_STATES, State
from purchases.validators import parse_money, validate_steam_id

BEST = "best"
#: routing.provider_problems' word for a pause: the one problem that stops a line no provider can buy


@dataclasses.dataclass(frozen=True)
class Routed:
    """A line as `--provider best` routed it, and the choice behind it (no options: no catalog lists it)."""

    line: BuyLine
    choice: Choice

    @property
    def why_not(self) -> str:
        """Why no provider can buy it ('' when one can, or when no catalog lists it: bought as given)."""
        if self.choice.chosen is not None or not self.choice.options:
            return ""
        return "; ".join(f"{label(o.provider)} at {usd(o.price)}: {o.why_not}" for o in self.choice.options)


def route_line(line: BuyLine, problems: dict[str, str]) -> Routed:
    """The line's skin (its item's, else its name and game) quoted at every provider; the line moved to
    the chosen provider's listing, with the route, the quotes and the saving recorded on it."""
    item = line.item
    skin = (item.skin or skin_key(item.name, item.game)) if item else skin_key(line.name, line.game)
    quoted = [quote for quote in quotes(skin) if quote.provider in buy_providers()]
    # as the confirmation page: warnings alone (balance low, failed requests) do not stop a line
    choice = choose_lenient(quoted, max_price=line.max_price, problems=problems)
    chosen = choice.chosen
    if chosen is None:
        return Routed(line, choice)
    route = choice.route if len(choice.options) > 1 else ""  # blank: one provider offered it
    routed = dataclasses.replace(
        line,
        item=chosen.quote.item,
        name="",
        game="",
        provider="",
        route=route,
        quotes=choice.quotes,
        saving=choice.saving if route else None,
    )
    return Routed(routed, choice)


class Command(BaseCommand):
    help = (
        "Buy skins for a Steam user: by catalog id (--item ID[:MAX_PRICE]) or by --name/--game/--max-price. "
        "--provider best (the default when BUY_PROVIDERS names more than one) buys each line where it is "
        "cheapest among the providers that can buy it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--steam-id", required=True)
        parser.add_argument("--item", dest="items", action="append", default=[], metavar="ID[:MAX_PRICE]")
        parser.add_argument("--name")
        parser.add_argument("--game", choices=Game.values)
        parser.add_argument("--max-price")
        parser.add_argument(
            "--provider",
            choices=[BEST, *sorted(PROVIDERS)],
            help="best: each line at the cheapest provider that can buy it (the default when BUY_PROVIDERS "
            "names more than one provider); a provider code: every line there, as given",
        )
        parser.add_argument(
            "--wait", action="store_true", help="poll until nothing is pending or unconfirmed"
        )
        parser.add_argument("--timeout", type=float, default=180.0, help="seconds --wait waits at most")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--allow-repeat",
            action="store_true",
            help="pay again a skin this Steam user was paid in the last PAYOUT_REPEAT_WINDOW_HOURS",
        )
        parser.add_argument(
            "--allow-over-balance",
            action="store_true",
            help="send a batch whose total max price is above the provider's known balance",
        )

    def handle(self, *args, **options):
        provider = options["provider"] or (BEST if routing_enabled() else settings.DEFAULT_PROVIDER)
        user = self._user(options["steam_id"])
        routed: list[Routed] = []
        if provider == BEST:
            provider = settings.DEFAULT_PROVIDER  # where a line no catalog lists is bought by name
            routed = self._route(self._lines(options, BEST, pay_again=options["allow_repeat"]))
            lines = [r.line for r in routed]
        else:
            lines = self._lines(options, provider, pay_again=options["allow_repeat"])
        try:
            result = purchases_create(
                steam_user=user,
                provider=provider,
                lines=lines,
                actor=None,
                batch_id=uuid.uuid4(),
                source="command",
                enqueue=False,
                over_balance_ok=options["allow_over_balance"],
            )
        except BuyError as error:
            raise CommandError("Nothing was bought: " + " ".join(error.messages)) from None
        if routed and not options["json"]:
            self._say_routes(routed, provider)
        pending = [p for p in result.purchases if p.state == State.PENDING]
        for chunk in provider_chunks(pending):  # what waits for an approver is never sent here
            purchases_send(purchase_ids=[p.pk for p in chunk])
        ids = [p.pk for p in result.purchases]
        if options["wait"] and pending:
            self._wait([p.pk for p in pending], options["timeout"])
        self._say_held(result.purchases)  # before the report, whose exit 1 for a rejected line ends the run
        self._report(ids, options["json"])

    def _user(self, steam_id: str) -> SteamUser:
        try:
            validate_steam_id(steam_id)
        except ValidationError as error:
            raise CommandError(f"--steam-id: {error.messages[0]}") from None
        user = SteamUser.objects.filter(steam_id=steam_id).first()
        if user is None:
            raise CommandError(f"No Steam user {steam_id}: add them with their trade URL in the admin first.")
        return user

    def _lines(self, options, provider: str, *, pay_again: bool) -> list[BuyLine]:
        lines = self._parsed_lines(options, provider)
        return [dataclasses.replace(line, pay_again=pay_again) for line in lines]

    def _parsed_lines(self, options, provider: str) -> list[BuyLine]:
        if bool(options["items"]) == bool(options["name"]):
            raise CommandError(
                "Give either --item ID[:MAX_PRICE] (one or more) or --name with --game and --max-price."
            )
        if options["name"]:
            if not options["game"] or not options["max_price"]:
                raise CommandError("--name needs --game and --max-price.")
            return [
                BuyLine(
                    max_price=self._money(options["max_price"]), name=options["name"], game=options["game"]
                )
            ]
        return [self._item_line(spec, provider) for spec in options["items"]]

    def _item_line(self, spec: str, provider: str) -> BuyLine:
        item_id, _, max_price = spec.partition(":")
        item = self._item(item_id, provider)
        price = self._money(max_price) if max_price else default_max_price(item.price)
        if price is None:
            raise CommandError(f"Item {item_id} has no known price: give it as --item {item_id}:MAX_PRICE.")
        return BuyLine(max_price=price, item=item)

    @staticmethod
    def _item(item_id: str, provider: str) -> Item:
        """The catalog item `item_id` of `provider`; with best, of the default provider, else of the first
        configured provider that has one (catalog ids are the providers' own: they may collide)."""
        codes = [provider]
        if provider == BEST:
            codes = list(dict.fromkeys([settings.DEFAULT_PROVIDER, *buy_providers()]))
        found = {i.provider: i for i in Item.objects.filter(provider__in=codes, provider_item_id=item_id)}
        item = next((found[code] for code in codes if code in found), None)
        if item is None:
            others = f" (nor at {', '.join(codes[1:])})" if len(codes) > 1 else ""
            raise CommandError(
                f"No {codes[0]} catalog item {item_id}{others}: run sync_catalog, or buy by --name."
            )
        return item

    def _route(self, lines: list[BuyLine]) -> list[Routed]:
        """Each line at the cheapest provider that can buy it (routing.choose, as the confirmation page);
        any line that no provider can buy (above its max price everywhere, or paused where it is not) refuses
        the whole command, nothing created, each reason said. When only warnings (balance low, requests
        failing) stop every provider, the line is bought at the cheapest of them, as on the confirmation page.
        A skin no configured provider's catalog lists on sale is bought as given (an item at its provider,
        a name at DEFAULT_PROVIDER), as before routing."""
        problems = provider_problems()
        routed = [route_line(line, problems) for line in lines]
        refused = [
            f"line {n}, {r.line.label} (max {usd(r.line.max_price)}): {r.why_not}."
            for n, r in enumerate(routed, 1)
            if r.why_not
        ]
        if refused:
            raise CommandError(
                "Nothing was bought: no provider can buy "
                + " ".join(refused)
                + self._pauses(problems)
                + f" Leave the line{'s' if len(refused) > 1 else ''} out or raise the max price, "
                "or name a provider with --provider."
            )
        return routed

    @staticmethod
    def _pauses(problems: dict[str, str]) -> str:
        """The pauses in force in their words (who, since when, how to resume), when one stopped a line."""
        if PAUSED not in problems.values():
            return ""
        from purchases.policy.pause import describe, pauses

        return "".join(" " + describe(pause) for pause in pauses().values())

    def _say_routes(self, routed: list[Routed], fallback: str) -> None:
        """Where each line is bought and why: the provider and its price, the next best and the saving."""
        for n, r in enumerate(routed, 1):
            chosen, choice = r.choice.chosen, r.choice
            if chosen is None:
                where = label(r.line.provider_or(fallback))
                said = f"no configured provider's catalog lists it on sale: bought as given at {where}"
            elif len(choice.options) < 2:
                said = f"{label(chosen.provider)} at {usd(chosen.price)}, the only provider quoting it"
            elif choice.next_best is None:  # the others cannot sell now: no saving is claimed
                others = [o for o in choice.options if o.provider != chosen.provider]
                skipped = "; ".join(f"{label(o.provider)} at {usd(o.price)} ({o.why_not})" for o in others)
                said = f"{label(chosen.provider)} at {usd(chosen.price)}; skipped {skipped}"
            else:
                said = f"{label(chosen.provider)} at {usd(chosen.price)}; " + _next_best(choice)
            if chosen is not None and chosen.why_not:
                said += f" (every provider has a warning; {label(chosen.provider)}: {chosen.why_not})"
            self.stdout.write(f"line {n}, {r.line.label}: {said}")

    @staticmethod
    def _money(value: str):
        try:
            return parse_money(value, field="max price")
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None

    def _wait(self, ids: list[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while Purchase.objects.filter(pk__in=ids, state__in=UNSETTLED_STATES).exists():
            if time.monotonic() > deadline:
                self.stderr.write("Timed out waiting; the scheduler will keep resolving them.")
                return
            time.sleep(2)
            custom_ids = list(Purchase.objects.filter(pk__in=ids).values_list("custom_id", flat=True))
            purchases_sync(custom_ids=custom_ids, source="command")

    def _say_held(self, purchases: list[Purchase]) -> None:
        held = [p for p in purchases if p.state == State.AWAITING_APPROVAL]
        if held:
            # each reason once: the lines of a batch may be held for different limits
            reasons = dict.fromkeys(r for p in held for r in p.approval_reason.split("; ") if r)
            reason = "; ".join(reasons)
            self.stderr.write(
                f"{len(held)} of {len(purchases)} purchase(s) wait for an approver (nothing sent): {reason}. "
                "A user of the group Approvers approves them in the admin's approval queue."
            )

    def _report(self, ids: list[int], as_json: bool) -> None:
        purchases = list(Purchase.objects.filter(pk__in=ids).order_by("batch_line"))
        rows = [
            {
                "custom_id": p.custom_id,
                "item": p.item_name,
                "state": p.state,
                "price": str(p.price) if p.price is not None else None,
                "max_price": str(p.max_price),
                "error": p.error_reason,
                "provider": p.provider,
                "route": p.route,
                "quotes": p.route_quotes,
                "saving": str(p.route_saving) if p.route_saving is not None else None,
            }
            for p in purchases
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2))
        else:
            for row in rows:
                price = usd(row["price"]) if row["price"] else "—"
                self.stdout.write(
                    f"{row['custom_id']}  {row['state']:<17} {price:>14} (max {usd(row['max_price'])})  "
                    f"{row['item']}  {row['error']}".rstrip()
                )
        rejected = [r for r in rows if r["state"] == State.REJECTED]
        if rejected:
            raise CommandError(f"{len(rejected)} of {len(rows)} purchase(s) were rejected.")


def _next_best(choice: Choice) -> str:
    """`next best Skinify at 12.30 USD: saves 0.40 USD` (and why a cheaper quote was not taken)."""
    other = choice.next_best
    said = f"next best {label(other.provider)} at {usd(other.price)}"
    if choice.saving is not None and choice.saving < 0:
        why = f" ({other.why_not})" if other.why_not else ""
        return f"{said}{why}: costs {usd(-choice.saving)} more"
    return f"{said}: saves {usd(choice.saving)}"
