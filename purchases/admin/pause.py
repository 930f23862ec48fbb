"""The pause switch in the admin: the history of pauses (read-only) and the two POST endpoints the
dashboard's "Buying" card posts to. Superusers only (403 for anyone else); the service audits.

The index view (backoffice/admin.py) gathers `policy.pause.buying_panel` for the banner everyone sees
and the card superusers see; the template only formats it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path

from ..models import BuyingPause
from ..policy.pause import pause_buying, resume_buying
from ..providers import PROVIDERS
from .common import ReadOnlyAdmin


@admin.register(BuyingPause)
class BuyingPauseAdmin(ReadOnlyAdmin):
    list_display = ("scope", "paused_at", "paused_by", "source", "reason")
    list_select_related = ("paused_by",)

    @admin.display(description="scope", ordering="provider")
    def scope(self, obj: BuyingPause) -> str:
        return PROVIDERS[obj.provider].label if obj.provider else "every provider"

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("pause/", view(self.pause_view), name="purchases_buyingpause_pause"),
            path("resume/", view(self.resume_view), name="purchases_buyingpause_resume"),
            *super().get_urls(),
        ]

    def pause_view(self, request: HttpRequest) -> HttpResponse:
        return _switch(request, pause=True)

    def resume_view(self, request: HttpRequest) -> HttpResponse:
        return _switch(request, pause=False)


def _switch(request: HttpRequest, *, pause: bool) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_superuser:
        raise PermissionDenied
    provider = request.POST.get("provider") or None
    if provider is not None and provider not in PROVIDERS:
        raise PermissionDenied  # only a crafted form names another provider
    try:
        if pause:
            change = pause_buying(
                provider=provider, actor=request.user, reason=request.POST.get("reason", ""), source="admin"
            )
        else:
            change = resume_buying(provider=provider, actor=request.user, source="admin")
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.add_message(request, messages.SUCCESS if change.changed else messages.INFO, change.message)
    return redirect("admin:index")
