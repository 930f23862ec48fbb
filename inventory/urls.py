"""Mounted at /admin/inventory/ by backoffice/urls.py, ahead of the admin's own catch-all."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "inventory"
urlpatterns = [
    # admin_view: login required (redirect to the admin login), staff only, never cached, admin context
    path("<str:steam_id>/", admin.site.admin_view(views.inventory_page), name="page"),
]
