"""Refunds in the admin: the list (read-only; a refund is added through the service only), the page
"Record a refund seen at the provider" of a failed or reverted purchase, and the refunds section of the
purchase page (`purchase_refunds`, through the `refund_tags` template tag).

Whoever may view purchases may view their refunds (Support reads them); recording takes
`purchases.buy_skins` (services/refunds.py says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..models import Purchase, Refund
from ..money import usd
from ..services.refunds import REFUNDABLE_STATES, RefundRefused, can_record_refund, debit_of, refund_record
from .common import ReadOnlyAdmin, exact_q, list_time

VIEW_PURCHASES = "purchases.view_purchase"
RECORD_TEMPLATE = "admin/purchases/purchase/refund_record.html"


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount (USD)", max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
        help_text="As the provider's balance history shows it; at most what is left to refund.",
    )  # fmt: skip
    reference = forms.CharField(
        label="The provider's reference", max_length=128,
        help_text="The id of the line in the provider's balance history: a refund is recorded once.",
    )  # fmt: skip
    note = forms.CharField(label="Note", max_length=255, required=False)


@dataclass(frozen=True)
class PurchaseRefunds:
    """The refunds section of a purchase page: what was recorded, what is left, whether you may record."""

    refunds: list[Refund]
    debited: Decimal | None
    refunded: Decimal
    refundable: bool
    can_record: bool
    record_url: str

    @property
    def left(self) -> Decimal | None:
        return None if self.debited is None else self.debited - self.refunded


def purchase_refunds(purchase: Purchase, user) -> PurchaseRefunds:
    """One query: the purchase's refunds with who recorded them."""
    refunds = list(Refund.objects.filter(purchase=purchase).select_related("recorded_by"))
    refunded = sum((r.amount for r in refunds), Decimal(0))
    debited = debit_of(purchase)
    refundable = purchase.state in REFUNDABLE_STATES and debited is not None and refunded < debited
    return PurchaseRefunds(
        refunds=refunds,
        debited=debited,
        refunded=refunded,
        refundable=refundable,
        can_record=refundable and can_record_refund(user),
        record_url=reverse("admin:purchases_refund_record", args=[purchase.pk]),
    )


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = (
        "recorded", "purchase_link", "amount_display", "reference", "source", "recorded_by", "note",
    )  # fmt: skip
    list_filter = ("source", "recorded_at")
    list_select_related = ("purchase", "recorded_by")
    search_fields = ("reference__exact",)
    search_help_text = "The provider's reference of the refund, or a purchase's custom_id, exactly."
    raw_id_fields = ("purchase", "recorded_by")

    def has_view_permission(self, request, obj=None) -> bool:
        # refunds are part of the purchases' records: whoever reads purchases reads them
        return request.user.has_perm(VIEW_PURCHASES) or super().has_view_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(exact_q(term, ["reference", "purchase__custom_id"])), False

    @admin.display(description="recorded", ordering="recorded_at")
    def recorded(self, obj: Refund) -> str:
        return list_time(obj.recorded_at)

    @admin.display(description="purchase", ordering="purchase__custom_id")
    def purchase_link(self, obj: Refund) -> str:
        url = reverse("admin:purchases_purchase_change", args=[obj.purchase_id])
        return format_html('<a href="{}">{}</a>', url, obj.purchase.custom_id)

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, obj: Refund) -> str:
        return usd(obj.amount)

    def get_urls(self):
        record = self.admin_site.admin_view(self.record_view)
        return [path("record/<int:pk>/", record, name="purchases_refund_record"), *super().get_urls()]

    def record_view(self, request, pk: int):
        """GET: the form beside what was debited and refunded; POST: the service, then the purchase page."""
        if not request.user.has_perm(VIEW_PURCHASES) or not can_record_refund(request.user):
            raise PermissionDenied
        purchase = get_object_or_404(Purchase.objects.select_related("steam_user"), pk=pk)
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refund = refund_record(purchase=purchase, actor=request.user, **form.cleaned_data)
            except RefundRefused as refused:
                form.add_error(None, str(refused))
            else:
                text = f"Refund of {usd(refund.amount)} recorded (reference {refund.reference})."
                self.message_user(request, text, messages.SUCCESS)
                return redirect("admin:purchases_purchase_change", purchase.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Record a refund seen at the provider: {purchase.custom_id}",
            "opts": Purchase._meta,
            "original": purchase,
            "form": form,
            "refunds": purchase_refunds(purchase, request.user),
        }
        return TemplateResponse(request, RECORD_TEMPLATE, context)
