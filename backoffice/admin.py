"""The admin site: its titles, the throttled login form, the index with the support dashboard, and the
inventory page (a page of no model: inventory/views.py).

`admin.site` is this site (backoffice/apps.py sets it as the default site), so every `@admin.register` and
`self.admin_site` in the apps use it. The index gathers the dashboard's data in the view; the templates
and template tags only format it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse_lazy

from backoffice.auth import ThrottledAuthenticationForm
from backoffice.second_factor_views import SecondFactorPagesMixin
from inventory.views import InventoryPageMixin
from purchases.dashboard import dashboard
from purchases.policy.approval import can_approve, queue_figures
from purchases.policy.pause import buying_panel

DASHBOARD_PERMISSION = "purchases.view_purchase"


class BackofficeAdminSite(SecondFactorPagesMixin, InventoryPageMixin, admin.AdminSite):
    """The stock site, plus the second-factor pages (backoffice/second_factor_views.py), the inventory
    page (InventoryPageMixin.get_urls) and the index dashboard."""

    site_header = "Skins back-office"
    site_title = "Skins back-office"
    index_title = "Purchases, Steam users and the provider"
    # there is no public site: the header's first link opens the find page (base_site.html names it)
    site_url = reverse_lazy("admin:purchases_find")
    # the login refuses (without checking the password) after too many failures: backoffice/auth.py
    login_form = ThrottledAuthenticationForm

    def login(self, request: HttpRequest, extra_context: dict | None = None):
        # the login page says whether a code follows the password (templates/admin/login.html)
        return super().login(request, {"otp_required": settings.OTP_REQUIRED, **(extra_context or {})})

    def get_urls(self):
        # imported here: purchases.admin registers its ModelAdmins on this site, so it cannot be
        # imported while this module is
        from purchases.admin.pause import pause_urls

        return [*pause_urls(self), *super().get_urls()]

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        context = {
            "dashboard": index_dashboard(request),
            "buying": buying_panel(superuser=request.user.is_superuser),
            "approvals": queue_figures() if can_approve(request.user) else None,
            **(extra_context or {}),
        }
        return super().index(request, context)


def index_dashboard(request: HttpRequest) -> dict | None:
    """The dashboard's data for users who may view purchases; None (nothing asked) for anyone else."""
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        return None
    return dashboard()
