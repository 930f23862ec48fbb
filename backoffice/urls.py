from django.contrib import admin
from django.urls import path

from purchases.health import healthz
from purchases.webhooks import skinsback_webhook

# admin.site is backoffice.admin.BackofficeAdminSite (titles, throttled login, the index dashboard)
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("webhooks/skinsback/", skinsback_webhook, name="webhook-skinsback"),
    path("admin/", admin.site.urls),
]
