"""The task cluster's admin (django-q2's own pages), with its "resubmit" action for superusers only.

django-q2 offers "Resubmit selected tasks to queue" on Successful and Failed tasks to anyone who may view
those lists, and Support and Operators may view them. A resubmitted `purchases.tasks.send_purchases`
still sends only what it can claim as pending (services/send.py), but enqueuing work is for superusers.
Django filters actions by `allowed_permissions` both when it lists them and when a POST names one, so a
crafted POST with `action=resubmit_task` does nothing for anyone else.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_q import admin as q_admin
from django_q.models import Failure, Success


@admin.action(description=_("Resubmit selected tasks to queue"), permissions=["superuser"])
def resubmit_task(model_admin, request, queryset):
    return q_admin.resubmit_task(model_admin, request, queryset)


class SuperuserResubmitMixin:
    actions = [resubmit_task]

    def has_superuser_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class SuccessAdmin(SuperuserResubmitMixin, q_admin.TaskAdmin):
    pass


class FailureAdmin(SuperuserResubmitMixin, q_admin.FailAdmin):
    pass


def install(site: admin.AdminSite) -> None:
    """Replace django-q2's registrations of Successful and Failed tasks (after every admin module loaded)."""
    for model, model_admin in ((Success, SuccessAdmin), (Failure, FailureAdmin)):
        if site.is_registered(model):
            site.unregister(model)
        site.register(model, model_admin)
