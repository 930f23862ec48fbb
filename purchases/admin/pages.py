"""Our own pages of a ModelAdmin, rendered the way the admin renders its own.

A page is a ModelAdmin method (or a mixin's), routed by the ModelAdmin's `get_urls` through
`self.admin_site.admin_view`, and rendered from `admin/<app_label>/<model_name>/<page>.html` with the
site's context, like the stock change list and change form.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.response import TemplateResponse


class AdminPageMixin:
    """`render_page`: a page of this ModelAdmin with the admin's own context."""

    def render_page(
        self, request: HttpRequest, page: str, title: str, context: dict[str, Any]
    ) -> TemplateResponse:
        opts = self.opts
        base = {**self.admin_site.each_context(request), "title": title, "opts": opts}
        template = f"admin/{opts.app_label}/{opts.model_name}/{page}.html"
        return TemplateResponse(request, template, {**base, **context})
