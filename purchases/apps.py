from django.apps import AppConfig


class PurchasesConfig(AppConfig):
    name = "purchases"
    verbose_name = "Purchases"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
