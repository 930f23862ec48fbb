"""`{% purchase_refunds purchase as r %}`: the refunds section of the purchase page (admin/refunds.py)."""

from __future__ import annotations

from django import template

from ..admin.refunds import PurchaseRefunds
from ..admin.refunds import purchase_refunds as read_refunds

register = template.Library()


@register.simple_tag(takes_context=True)
def purchase_refunds(context, purchase) -> PurchaseRefunds:
    return read_refunds(purchase, context["request"].user)
