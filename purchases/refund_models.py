"""Money given back for a purchase (DESIGN section 9, issue 21): what support is asked is "was it
refunded?", and the providers' answers do not say. A refund is recorded by an operator who saw it at the
provider (amount, the provider's reference), or matched from the provider's balance history where the
client can read one. Imported by models.py, so it is a model of the purchases app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RefundSource(models.TextChoices):
    OPERATOR = "operator", "Recorded by an operator"
    PROVIDER = "provider", "Matched from the provider's balance history"


class Refund(models.Model):
    purchase = models.ForeignKey("purchases.Purchase", on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    #: ISO 4217, lower case, as the providers write it; USD for every provider we have
    currency = models.CharField(max_length=3, default="usd")
    #: the provider's own id of the refund (a balance-history line), so one refund is never recorded twice
    reference = models.CharField(max_length=128, blank=True)
    source = models.CharField(max_length=16, choices=RefundSource.choices, default=RefundSource.OPERATOR)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["purchase", "reference"], condition=~Q(reference=""), name="refund_reference_once"
            ),
        ]
        indexes = [models.Index(fields=["-recorded_at"], name="refund_recorded_idx")]

    def __str__(self) -> str:
        return f"refund of {self.amount} {self.currency.upper()} for purchase {self.purchase_id}"
