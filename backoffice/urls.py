from django.contrib import admin
from django.urls import path

from purchases.health import healthz

admin.site.site_header = "Skins back-office"
admin.site.site_title = "Skins back-office"
admin.site.index_title = "Purchases, Steam users and the provider"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
