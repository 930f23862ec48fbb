import sys

from django.core.management.base import BaseCommand, CommandError

from purchases.models import Game
from purchases.providers import PROVIDERS
from purchases.providers.base import ProviderError
from purchases.services.catalog import catalog_sync


class Command(BaseCommand):
    help = "Import the provider's full price list into the catalog (streamed; the list can be huge)."

    def add_arguments(self, parser):
        parser.add_argument("--provider", required=True, choices=sorted(PROVIDERS))
        parser.add_argument("--game", required=True, choices=Game.values)

    def handle(self, *args, provider: str, game: str, **options):
        progress = self._progress if sys.stderr.isatty() else None
        try:
            report = catalog_sync(provider=provider, game=game, progress=progress)
        except ProviderError as error:
            raise CommandError(f"The price list could not be read: {error}") from None
        if progress:
            sys.stderr.write("\n")
        self.stdout.write(f"{provider} {game}: {report.summary()}")

    @staticmethod
    def _progress(seen: int) -> None:
        sys.stderr.write(f"\r  {seen:,} items imported…")
        sys.stderr.flush()
