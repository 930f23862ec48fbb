from django.core.management.base import BaseCommand, CommandError

from purchases.policy.pause import pause_buying
from purchases.providers import PROVIDERS


class Command(BaseCommand):
    help = (
        "Pause buying from one provider (--provider) or from all: nothing new is created and queued buys "
        "wait, neither sent nor lost, until resume_buying."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=sorted(PROVIDERS), help="default: every provider")
        parser.add_argument("--reason", required=True, help="why: shown to everyone refused meanwhile")

    def handle(self, *args, **options):
        try:
            change = pause_buying(
                provider=options["provider"], actor=None, reason=options["reason"], source="command"
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(change.message)
