"""`manage.py check_provider [--provider P] [--json]`: are the credentials accepted, how fast does the
provider answer, what is the balance, how much of the rate limit is used. Without --provider every
provider is checked (JSON: one object per provider code). Exit 1 when any check fails."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from purchases.providers import PROVIDERS, get_provider
from purchases.providers.diagnostics import check


class Command(BaseCommand):
    help = "Check a provider's credentials, latency, balance and rate-limit headroom (exit 1 on failure)."

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=sorted(PROVIDERS), help="default: every provider")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        codes = [options["provider"]] if options["provider"] else sorted(PROVIDERS)
        reports = {code: check(get_provider(code)) for code in codes}
        if options["json"]:
            data = {code: report.as_dict() for code, report in reports.items()}
            self.stdout.write(json.dumps(data[codes[0]] if options["provider"] else data, indent=2))
        else:
            for code, report in reports.items():
                if len(reports) > 1:
                    self.stdout.write(f"== {PROVIDERS[code].label} ({code})")
                for line in report.lines():
                    self.stdout.write(line)
        failed = [code for code, report in reports.items() if not report.ok]
        if failed:
            raise CommandError(f"{', '.join(failed)}: check failed", returncode=1)
