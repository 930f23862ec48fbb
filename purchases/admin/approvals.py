"""The four-eyes approval in the admin: the approval queue page (`admin:purchases_purchase_approvals`) and
the purchase list's actions `approve_purchases` / `decline_purchases`.

Approving spends money, so it always passes a confirmation page that names what will be bought, the total,
the limits as they are now and the repeats; the POST of that page runs `policy.approval.purchases_approve`,
which checks everything again under the Steam user's lock. Declining spends nothing and is done at once.
Every view needs `purchases.approve_purchases`; the service refuses one's own purchases.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone

from .. import permissions
from ..buy_lines import parse_ids
from ..models import Purchase
from ..policy.approval import (
    QUEUE_PAGE,
    approval_checks,
    approval_queue,
    can_approve,
    expires_at,
    purchases_approve,
    purchases_decline,
)
from ..status import State
from .pages import AdminPageMixin

MAX_DECISION = QUEUE_PAGE  # purchases decided in one click


class ApprovalPagesMixin(AdminPageMixin):
    """PurchaseAdmin's approval queue and its two actions."""

    def get_urls(self):
        queue = self.admin_site.admin_view(self.approvals_view)
        return [path("approvals/", queue, name="purchases_purchase_approvals"), *super().get_urls()]

    def has_approve_purchases_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(permissions.APPROVE)

    @admin.action(description="Approve… (held purchases; asks to confirm)", permissions=["approve_purchases"])
    def approve_purchases(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[: MAX_DECISION + 1])
        return self._approve_confirmation(request, ids)

    @admin.action(
        description="Decline (held purchases; nothing is bought)", permissions=["approve_purchases"]
    )
    def decline_purchases(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[:MAX_DECISION])
        self._decline(request, ids, reason="")

    def approvals_view(self, request: HttpRequest) -> HttpResponse:
        if not can_approve(request.user):
            raise PermissionDenied
        if request.method == "POST":
            return self._decision_post(request)
        queue = approval_queue()
        rows = [(p, expires_at(p), p.created_by_id == request.user.pk) for p in queue.purchases]
        context = {"queue": queue, "rows": rows, "approval_expires": settings.PAYOUT_APPROVAL_EXPIRES_HOURS}
        return self.render_page(request, "approvals", "Purchases awaiting approval", context)

    def _decision_post(self, request: HttpRequest) -> HttpResponse:
        ids = parse_ids(",".join(request.POST.getlist("ids")))[:MAX_DECISION]
        if not ids:
            messages.warning(request, "Select the purchases to decide first.")
        elif request.POST.get("decision") == "decline":
            self._decline(request, ids, reason=request.POST.get("reason", "").strip()[:200])
        elif request.POST.get("decision") == "approve":
            if request.POST.get("confirmed") != "yes":
                return self._approve_confirmation(request, ids)
            report = purchases_approve(purchase_ids=ids, actor=request.user, source="admin")
            level = messages.WARNING if report.refused else messages.SUCCESS
            self.message_user(request, report.summary("approved and queued for buying"), level)
        return redirect("admin:purchases_purchase_approvals")

    def _decline(self, request: HttpRequest, ids: list[int], *, reason: str) -> None:
        report = purchases_decline(purchase_ids=ids, actor=request.user, reason=reason, source="admin")
        level = messages.WARNING if report.refused else messages.SUCCESS
        self.message_user(request, report.summary("declined (nothing bought)"), level)

    def _approve_confirmation(self, request: HttpRequest, ids: list[int]) -> HttpResponse:
        """What approving these would buy, checked again now: nothing is decided on this page."""
        chosen = list(
            Purchase.objects.filter(pk__in=ids[:MAX_DECISION])
            .select_related("steam_user", "created_by")
            .order_by("created_at", "pk")
        )
        now = timezone.now()
        mine = [p for p in chosen if p.created_by_id == request.user.pk]
        not_awaiting = [p for p in chosen if p.state != State.AWAITING_APPROVAL]
        ready = [p for p in chosen if p not in mine and p not in not_awaiting]
        context = {
            "checks": approval_checks(ready, now=now),
            "mine": mine,
            "not_awaiting": not_awaiting,
            "total": sum((p.max_price for p in ready), Decimal("0")),
            "too_many": len(ids) > MAX_DECISION,
            "max_decision": MAX_DECISION,
        }
        return self.render_page(request, "approve_confirm", "Approve and buy?", context)
