from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_state_count_triggers(sender, using, **kwargs) -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table: put them back (and recount)."""
    from .state_counts import install

    install(using=using)


class PurchasesConfig(AppConfig):
    name = "purchases"
    verbose_name = "Purchases"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(_ensure_state_count_triggers, sender=self, dispatch_uid="purchases_state_counts")
