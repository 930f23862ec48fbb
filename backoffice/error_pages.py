"""403 and 404 inside the admin's chrome: what happened, why, and what to do next.

`handler403` / `handler404` (backoffice/urls.py) render admin/error_page.html with the admin site's own
context, so the header, the user tools and the breadcrumbs stay. Django's debug 404 still shows for an
unknown URL while DEBUG is on; pages that know what was missing (the inventory page's unknown Steam id)
call `not_found` themselves, so their 404 is ours in every mode.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from purchases.roles import ROLES

TEMPLATE = "admin/error_page.html"


#: url name → (what the page does, the permission it needs), for the 403 explanation
@functools.cache
def guarded_pages() -> dict[str, tuple[str, str]]:
    """The custom pages' URL names, what they do and the permission each view checks (its own constant).
    Imported when first asked: the admin modules import this one's handlers through the URLconf."""
    from inventory.views import PERMISSION as VIEW_INVENTORY
    from purchases.admin.buy import PERMISSION as BUY
    from purchases.admin.find import IMPORT_PERMISSION as REFRESH

    return {
        "purchases_steamuser_buy": ("Buying skins", BUY),
        "purchases_buy_confirm": ("Buying skins", BUY),
        "purchases_buy_choose_user": ("Buying skins", BUY),
        "purchases_find_import": ("Importing a purchase", REFRESH),
        "purchases_purchase_refresh": ("Refreshing a purchase", REFRESH),
        "inventory_page": ("Opening a Steam inventory", VIEW_INVENTORY),
    }


ACTIONS = {"add": "Adding", "change": "Changing", "delete": "Deleting", "changelist": "Listing"}


@dataclass(frozen=True)
class Link:
    text: str
    url: str


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> TemplateResponse:
    reason = str(exception or "").strip()
    text = [_what_is_needed(request), _who(request)] + ([f"The page said: {reason}"] if reason else [])
    return render_error(request, 403, "You may not do this", text, _back_links(request))


def _what_is_needed(request: HttpRequest) -> str:
    what, permission = _guarded(request)
    roles = [name for name, permissions in ROLES.items() if permission in permissions]
    if roles:
        return f"{what} needs the {' or '.join(roles)} role; ask an admin to add you to it."
    return f"{what} is for admins only; ask an admin to do it, or to give you the permission."


def _who(request: HttpRequest) -> str:
    user = request.user
    if not user.is_authenticated:
        return "You are not signed in."
    mine = ", ".join(user.groups.values_list("name", flat=True))
    return f"You are signed in as {user.get_username()}" + (f" ({mine})." if mine else ".")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> TemplateResponse:
    text = [
        f"There is no page at {request.path}.",
        "It may have been a link to something deleted, or a mistyped address.",
    ]
    return render_error(request, 404, "Page not found", text, _back_links(request))


def not_found(request: HttpRequest, title: str, text: list[str], links: list[Link]) -> TemplateResponse:
    """A 404 a view renders itself (it knows what was missing), in every mode, DEBUG included."""
    return render_error(request, 404, title, text, [*links, *_back_links(request)])


def render_error(
    request: HttpRequest, status: int, title: str, text: list[str], links: list[Link]
) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": title, "text": text, "links": links}
    context["error_status"] = status
    return TemplateResponse(request, TEMPLATE, context, status=status)


def _guarded(request: HttpRequest) -> tuple[str, str]:
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else ""
    if name in guarded_pages():
        return guarded_pages()[name]
    app, _, rest = (name or "").partition("_")
    model, _, action = rest.rpartition("_")
    if app and model and action in ACTIONS:
        verbose = _verbose_name(app, model)
        codename = "view" if action == "changelist" else action
        return f"{ACTIONS[action]} {verbose}", f"{app}.{codename}_{model}"
    return "This page", ""


def _verbose_name(app: str, model: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(app, model)._meta.verbose_name_plural)
    except LookupError:
        return model


def _back_links(request: HttpRequest) -> list[Link]:
    links = []
    referer = request.headers.get("referer", "")
    if referer.startswith(request.build_absolute_uri("/")) and referer != request.build_absolute_uri():
        links.append(Link("Back to the page you came from", referer))
    for text, name in (("Find a purchase or a Steam user", "admin:purchases_find"), ("Home", "admin:index")):
        with contextlib.suppress(NoReverseMatch):
            links.append(Link(text, reverse(name)))
    return links
