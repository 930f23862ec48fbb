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
from purchases.services import (
    BuyError,
    BuyLine,
    default_max_price,
    purchases_create,
    purchases_send,
    purchases_sync,
)
from purchases.services.create import provider_chunks
from purchases.status import UNSETTLED_STATES, State
from purchases.validators import parse_money, validate_steam_id


class Command(BaseCommand):
    help = (
        "Buy skins for a Steam user: by catalog id (--item ID[:MAX_PRICE]) or by --name/--game/--max-price."
    )

    def add_arguments(self, parser):
        parser.add_argument("--steam-id", required=True)
        parser.add_argument("--item", dest="items", action="append", default=[], metavar="ID[:MAX_PRICE]")
        parser.add_argument("--name")
        parser.add_argument("--game", choices=Game.values)
        parser.add_argument("--max-price")
        parser.add_argument("--provider", choices=sorted(PROVIDERS))
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
        provider = options["provider"] or settings.DEFAULT_PROVIDER
        user = self._user(options["steam_id"])
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
        item = Item.objects.filter(provider=provider, provider_item_id=item_id).first()
        if item is None:
            raise CommandError(f"No {provider} catalog item {item_id}: run sync_catalog, or buy by --name.")
        price = self._money(max_price) if max_price else default_max_price(item.price)
        if price is None:
            raise CommandError(f"Item {item_id} has no known price: give it as --item {item_id}:MAX_PRICE.")
        return BuyLine(max_price=price, item=item)

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
