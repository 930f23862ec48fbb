"""`manage.py check_provider [--provider P] [--json]`: are the credentials accepted, how fast does the
provider answer, what is the balance, how much of the rate limit is used. Exit 1 on failure."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from purchases.providers import PROVIDERS, get_provider
from purchases.providers.diagnostics import check


class Command(BaseCommand):
    help = "Check a provider's credentials, latency, balance and rate-limit headroom (exit 1 on failure)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--provider", choices=sorted(PROVIDERS), help="default: settings.DEFAULT_PROVIDER"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        code = options["provider"] or settings.DEFAULT_PROVIDER
        report = check(get_provider(code))
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for line in report.lines():
                self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"{code}: check failed", returncode=1)
