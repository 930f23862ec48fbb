import json

from django.core.management.base import BaseCommand, CommandError

from purchases.models import Purchase
from purchases.providers import PROVIDERS, get_provider
from purchases.providers.base import NotFound, ProviderError
from purchases.selectors import purchase_timeline
from purchases.services import purchases_resolve

FIELDS = ["custom_id", "provider", "state", "provider_status", "buy_id", "item_name", "max_price", "price",
          "balance_debited", "trade_offer_id", "in_hold", "hold_until", "error_code", "error_reason",
          "needs_attention", "attention_reason", "created_at", "last_synced_at"]  # fmt: skip


class Command(BaseCommand):
    help = "Print a purchase and its timeline by custom_id; exit 1 when neither we nor the provider know it."

    def add_arguments(self, parser):
        parser.add_argument("custom_id")
        parser.add_argument("--refresh", action="store_true", help="ask the provider first")
        parser.add_argument("--provider", choices=sorted(PROVIDERS), help="where to look when we lack it")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, custom_id: str, **options):
        purchase = Purchase.objects.select_related("steam_user").filter(custom_id=custom_id.strip()).first()
        if purchase is None:
            return self._ask_provider(custom_id.strip(), options)
        if options["refresh"]:
            try:
                purchases_resolve(purchases=[purchase], source="command")
            except ProviderError as error:
                self.stderr.write(f"The provider did not answer ({error}); showing what we have.")
            purchase.refresh_from_db()
        self._print(purchase, options["json"])

    def _print(self, purchase: Purchase, as_json: bool) -> None:
        data = {name: _plain(getattr(purchase, name)) for name in FIELDS}
        data["steam_id"] = purchase.steam_user.steam_id
        events = [
            {"at": e.at.isoformat(), "source": e.source, "old_state": e.old_state, "new_state": e.new_state,
             "provider_status": e.new_provider_status, "actor": e.actor.get_username() if e.actor else None,
             "message": e.message}
            for e in purchase_timeline(purchase)
        ]  # fmt: skip
        if as_json:
            self.stdout.write(json.dumps({"purchase": data, "timeline": events}, indent=2))
            return
        for name, value in data.items():
            self.stdout.write(f"{name:>16}: {'' if value is None else value}")
        self.stdout.write("timeline:")
        for e in events:
            change = f"{e['old_state'] or '—'} → {e['new_state'] or '—'}"
            self.stdout.write(
                f"  {e['at']}  {e['source']:<8} {change:<28} {e['provider_status']} {e['message']}"
            )

    def _ask_provider(self, custom_id: str, options) -> None:
        codes = [options["provider"]] if options["provider"] else sorted(PROVIDERS)
        for code in codes:
            try:
                found = get_provider(code).get_purchases(custom_ids=[custom_id])
            except NotFound:
                continue
            except ProviderError as error:
                self.stderr.write(f"{code}: could not ask ({error})")
                continue
            if found:
                info = found[0]
                data = {
                    "provider": code, "custom_id": custom_id, "buy_id": info.buy_id, "status": info.status,
                    "item": info.item_name, "price": _plain(info.price), "steam_id": info.steam_id,
                }  # fmt: skip
                text = json.dumps({"in_database": False, "provider": data}, indent=2)
                self.stdout.write(
                    text if options["json"] else f"Not in our database; {code} knows it: {data}"
                )
                return
        raise CommandError(f"No purchase {custom_id}: not in our database, and no provider knows it.")


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
