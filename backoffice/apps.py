from django.contrib.admin.apps import AdminConfig


class BackofficeAdminConfig(AdminConfig):
    """`django.contrib.admin` with our AdminSite as `admin.site` (Django's "overriding the default site")."""

    default_site = "backoffice.admin.BackofficeAdminSite"
