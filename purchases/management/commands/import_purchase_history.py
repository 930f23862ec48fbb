import json
from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from purchases.providers import PROVIDERS
from purchases.providers.base import ProviderError
from purchases.services.history import purchases_import_history


def parse_when(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"'{value}' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM.")
        moment = datetime.combine(day, time.min)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


class Command(BaseCommand):
    help = "Page through the provider's purchase history: update what we have, import what we lack."

    def add_arguments(self, parser):
        parser.add_argument("--provider", required=True, choices=sorted(PROVIDERS))
        parser.add_argument("--since", required=True, help="YYYY-MM-DD or an ISO datetime (UTC)")
        parser.add_argument("--until", help="default: now")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        since = parse_when(options["since"])
        until = parse_when(options["until"]) if options["until"] else timezone.now()
        if since >= until:
            raise CommandError("--since must be before --until.")
        try:
            report = purchases_import_history(provider=options["provider"], since=since, until=until)
        except ProviderError as error:
            raise CommandError(f"The provider's history could not be read: {error}") from None
        if options["json"]:
            data = {"seen": report.seen, "updated": report.updated, "created": report.created}
            self.stdout.write(json.dumps({**data, "unchanged": report.unchanged}, indent=2))
            return
        self.stdout.write(report.summary())
        for line in report.updated:
            self.stdout.write(f"  updated {line}")
        for custom_id in report.created:
            self.stdout.write(f"  imported {custom_id}")
