from django.contrib import admin
from django.urls import path

from purchases.health import healthz
from purchases.metrics.views import metrics
from purchases.providers import PROVIDERS
from purchases.webhooks import provider_webhook

# admin.site is backoffice.admin.BackofficeAdminSite (titles, throttled login, the index dashboard)
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    # one callback route per provider that sends callbacks: webhooks/skinsback/
    *(
        path(f"webhooks/{code}/", provider_webhook, {"code": code}, name=f"webhook-{code}")
        for code, cls in PROVIDERS.items()
        if cls.sends_callbacks
    ),
    path("admin/", admin.site.urls),
]

# 403 and 404 inside the admin's chrome, saying what to do next
handler403 = "backoffice.error_pages.permission_denied"
handler404 = "backoffice.error_pages.page_not_found"
