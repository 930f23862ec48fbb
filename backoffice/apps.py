from django.contrib.admin.apps import AdminConfig


class BackofficeAdminConfig(AdminConfig):
    """`django.contrib.admin` with our AdminSite as `admin.site` (Django's "overriding the default site")."""

    default_site = "backoffice.admin.BackofficeAdminSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin module
        from django.contrib import admin

        from backoffice import task_admin

        task_admin.install(admin.site)  # django-q2's resubmit action: superusers only

        from django.contrib.auth.signals import user_logged_in

        from backoffice import second_factor, sessions

        user_logged_in.connect(second_factor.note_login, dispatch_uid="backoffice.second_factor")
        user_logged_in.connect(sessions.note_login, dispatch_uid="backoffice.sessions")
