from django.core.management.base import BaseCommand

from purchases.schedules import setup_schedules


class Command(BaseCommand):
    help = "Create or update the task cluster's schedules by name (never duplicates)."

    def handle(self, *args, **options):
        for name, created in setup_schedules():
            self.stdout.write(f"{'created' if created else 'updated'}: {name}")
