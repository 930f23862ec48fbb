import json

from django.core.management.base import BaseCommand, CommandError

from purchases.policy.balance import checked_balances
from purchases.providers import PROVIDERS
from purchases.providers.base import ProviderError
from purchases.selectors import needing_attention
from purchases.services import purchases_sync

NAMED = 20  # custom_ids the text output names; --json lists them all


class Command(BaseCommand):
    help = (
        "Refresh open purchases from their provider, in batches (the scheduler runs the same every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=sorted(PROVIDERS))
        parser.add_argument("--custom-id", dest="custom_ids", action="append", default=[], metavar="ID")
        parser.add_argument("--all", action="store_true", help="ask about every open purchase, now")
        parser.add_argument(
            "--dry-run", action="store_true", help="ask, print what would change, write nothing"
        )
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--check",
            action="store_true",
            help="exit 2 when any purchase needs attention or a provider's balance is low",
        )

    def handle(self, *args, **options):
        try:
            report = purchases_sync(
                provider=options["provider"],
                custom_ids=options["custom_ids"],
                include_all=options["all"],
                dry_run=options["dry_run"],
                source="command",
            )
        except ProviderError as error:
            raise CommandError(f"The provider failed: {error}") from None
        attention = needing_attention().count() if options["check"] else 0
        balances = checked_balances() if options["check"] else []
        low = [b for b in balances if b.state == "low"]
        if options["json"]:
            extra = {"needs_attention": attention}
            if options["check"]:
                extra["balance"] = {b.provider: b.state for b in balances}
            self.stdout.write(json.dumps({**report.as_dict(), **extra}, indent=2))
        else:
            self.stdout.write(("[dry run] " if options["dry_run"] else "") + report.summary())
            for line in report.changes:
                self.stdout.write(f"  {line}")
            if report.not_found:
                shown = ", ".join(report.not_found[:NAMED])
                more = f" and {len(report.not_found) - NAMED} more" if len(report.not_found) > NAMED else ""
                self.stdout.write(f"  not found at the provider: {shown}{more} (--json lists them all)")
            if options["check"]:
                self.stdout.write(f"{attention} purchase(s) need attention")
                for balance in balances:
                    self.stdout.write(("LOW: " if balance.state == "low" else "") + balance.sentence())
        if report.paused:
            raise CommandError("Sync paused: " + ", ".join(report.paused.values()), returncode=1)
        if options["check"] and (attention or low):
            raise SystemExit(2)
