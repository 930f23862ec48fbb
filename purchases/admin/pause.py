"""The pause switch in the admin: the two POST endpoints the dashboard's "Buying" card posts to, at
`/admin/buying/pause/` and `/admin/buying/resume/` (`admin:buying_pause`, `admin:buying_resume`), routed
by the site (backoffice/admin.py) through its `admin_view`. Superusers only (403 for anyone else); the
service (policy/pause.py) audits.

The index view gathers `policy.pause.buying_panel` for the banner everyone sees and the card superusers
see; the template only formats it. A pause's history is the admin's LogEntry list and the log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path

from ..policy.pause import pause_buying, resume_buying
from ..providers import PROVIDERS


def pause_urls(site) -> list[URLPattern]:
    return [
        path("buying/pause/", site.admin_view(pause_view), name="buying_pause"),
        path("buying/resume/", site.admin_view(resume_view), name="buying_resume"),
    ]


def pause_view(request: HttpRequest) -> HttpResponse:
    return _switch(request, pause=True)


def resume_view(request: HttpRequest) -> HttpResponse:
    return _switch(request, pause=False)


def _switch(request: HttpRequest, *, pause: bool) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied  # before the method: whoever may not switch learns nothing more
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    provider = request.POST.get("provider") or None
    if provider is not None and provider not in PROVIDERS:
        raise PermissionDenied  # only a crafted form names another provider
    try:
        if pause:
            reason = request.POST.get("reason", "")
            change = pause_buying(provider=provider, actor=request.user, reason=reason, source="admin")
        else:
            change = resume_buying(provider=provider, actor=request.user, source="admin")
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.add_message(request, messages.SUCCESS if change.changed else messages.INFO, change.message)
    return redirect("admin:index")
