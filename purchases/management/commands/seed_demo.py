from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from purchases.demo import create_demo_logins, seed_demo
from purchases.roles import setup_roles


class Command(BaseCommand):
    help = "Fill the database with demo data (idempotent). --admin also creates the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin", action="store_true", help="create the demo superuser, operator and support"
        )

    def handle(self, *args, admin: bool, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG on: demo data and logins never go to production."
            )
        counts = seed_demo()
        self.stdout.write(
            f"Demo data: {counts['users']} Steam users, {counts['items']} items, "
            f"{counts['purchases_created']} new purchases."
        )
        if admin:
            setup_roles()
            for username, password in create_demo_logins():
                self.stdout.write(f"Login: {username} / {password}")
