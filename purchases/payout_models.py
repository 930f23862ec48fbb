"""The payout controls' records (DESIGN section 11): each Steam user's trade URL history and each
operator's own daily limit. Imported by models.py, so they are models of the purchases app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TradeUrlChange(models.Model):
    """One change of a Steam user's trade URL: when, by whom, old and new with their tokens masked.

    A change in the last 24 hours sends every buy for that user to approval (a swapped trade URL is how
    a payout is diverted), so the history is written by SteamUser.save itself, whatever path saved it."""

    steam_user = models.ForeignKey(
        "purchases.SteamUser", on_delete=models.CASCADE, related_name="url_changes"
    )
    at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    old_url = models.CharField("old trade URL (token masked)", max_length=200, blank=True)
    new_url = models.CharField("new trade URL (token masked)", max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["steam_user", "-at"], name="tradeurl_user_at_idx")]
        verbose_name = "trade URL change"

    def __str__(self) -> str:
        return f"{self.steam_user_id} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def is_first(self) -> bool:
        """The URL given when the user was added: not a change of an existing one."""
        return not self.old_url


class OperatorLimit(models.Model):
    """A superuser's choice of one operator's daily payout limit, instead of the setting's default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_limit"
    )
    daily_limit_usd = models.DecimalField("daily limit (USD of max prices)", max_digits=14, decimal_places=2)
    note = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "operator payout limit"

    def __str__(self) -> str:
        return f"{self.user} · {self.daily_limit_usd} USD a day"
