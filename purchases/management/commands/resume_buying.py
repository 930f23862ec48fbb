from django.core.management.base import BaseCommand

from purchases.policy.pause import resume_buying
from purchases.providers import PROVIDERS


class Command(BaseCommand):
    help = (
        "Resume buying paused by pause_buying: --provider lifts that provider's pause, no option lifts the "
        "pause of every provider. The purchases that waited are queued again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=sorted(PROVIDERS), help="default: the pause of all")

    def handle(self, *args, **options):
        change = resume_buying(provider=options["provider"], actor=None, source="command")
        self.stdout.write(change.message.strip())
