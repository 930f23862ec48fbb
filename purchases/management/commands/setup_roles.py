from django.core.management.base import BaseCommand

from purchases.roles import setup_roles


class Command(BaseCommand):
    help = "Create or update the Operators and Support groups with their permissions."

    def handle(self, *args, **options):
        for name, permissions in setup_roles().items():
            self.stdout.write(f"{name}: {len(permissions)} permissions ({', '.join(permissions)})")
