from django.contrib import admin
from django.urls import include, path

from backoffice.auth import ThrottledAuthenticationForm
from purchases.health import healthz
from purchases.providers import PROVIDERS
from purchases.webhooks import provider_webhook

admin.site.site_header = "Skins back-office"
admin.site.site_title = "Skins back-office"
admin.site.index_title = "Purchases, Steam users and the provider"
# the admin login refuses (without checking the password) after too many failures: backoffice/auth.py
admin.site.login_form = ThrottledAuthenticationForm

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # one callback route per provider that sends callbacks: webhooks/skinsback/
    *(
        path(f"webhooks/{code}/", provider_webhook, {"code": code}, name=f"webhook-{code}")
        for code, cls in PROVIDERS.items()
        if cls.sends_callbacks
    ),
    path("admin/inventory/", include("inventory.urls")),
    path("admin/", admin.site.urls),
]
