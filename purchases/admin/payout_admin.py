"""The payout controls' admin pieces (DESIGN section 11): each operator's own daily limit, set by superusers
only and audited with its old and new values; and a Steam user's trade URL history, read for their page.

OperatorLimit is a superuser's tool: every has_*_permission is `is_superuser`, whatever permission a group
holds, so Operators, Approvers and Support neither see it on the index nor reach its pages (403). Django's
admin writes the LogEntry of each add, change and delete; its message here names the values (old → new),
not only the field names.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model

from ..models import OperatorLimit, SteamUser, TradeUrlChange
from ..money import usd
from ..policy.limits import setting_usd

DEFAULT_SETTING = "PAYOUT_LIMIT_PER_OPERATOR_DAY_USD"
#: the trade URL changes a Steam user's page shows, newest first
URL_HISTORY_ROWS = 20
#: what the change message names, in this order
AUDITED = {"daily_limit_usd": "daily limit", "note": "note"}


def default_limit() -> Decimal:
    return setting_usd(DEFAULT_SETTING)


class OperatorLimitForm(forms.ModelForm):
    class Meta:
        model = OperatorLimit
        fields = ("user", "daily_limit_usd", "note")
        error_messages = {
            "daily_limit_usd": {"invalid": "Enter the daily limit as a number of USD, e.g. 2500.00."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:  # read-only once the limit exists
            self.fields["user"].queryset = get_user_model().objects.filter(is_staff=True).order_by("username")
            self.fields["user"].help_text = "A staff user: the operator this limit applies to."
        self.fields["daily_limit_usd"].help_text = (
            f"USD of max prices over the last 24 hours. The default for every operator is "
            f"{usd(default_limit())} ({DEFAULT_SETTING}); this one replaces it for this operator only."
        )

    def clean_daily_limit_usd(self) -> Decimal:
        limit = self.cleaned_data["daily_limit_usd"]
        if limit is None or limit <= 0:
            raise forms.ValidationError("The daily limit must be more than 0 USD.")
        return limit


class SuperuserOnly:
    """Every permission of the page is `is_superuser`: no group permission opens it."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(OperatorLimit)
class OperatorLimitAdmin(SuperuserOnly, admin.ModelAdmin):
    form = OperatorLimitForm
    list_display = ("user", "limit", "default", "note", "updated_at")
    list_select_related = ("user",)
    ordering = ("user__username",)
    search_fields = ("user__username__istartswith",)
    readonly_fields = ("updated_at",)

    def get_readonly_fields(self, request, obj=None):
        # a limit belongs to one operator: to move it, delete it and add another (both audited)
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields

    @admin.display(description="daily limit", ordering="daily_limit_usd")
    def limit(self, obj: OperatorLimit) -> str:
        return usd(obj.daily_limit_usd)

    @admin.display(description=f"default ({DEFAULT_SETTING})")
    def default(self, obj: OperatorLimit) -> str:
        return usd(default_limit())

    def construct_change_message(self, request, form, formsets, add=False) -> str:
        """What the history says: the values, old → new (a plain message; LogEntry shows it as it is)."""
        if add:
            text = f"Added: daily limit {usd(form.cleaned_data['daily_limit_usd'])} for {form.instance.user}"
            return f"{text} (default {usd(default_limit())})."
        changes = [
            f"{label}: {_shown(name, form.initial.get(name))} → {_shown(name, form.cleaned_data.get(name))}"
            for name, label in AUDITED.items()
            if name in form.changed_data
        ]
        return ("Changed " + "; ".join(changes) + ".") if changes else "No fields changed."


def _shown(name: str, value) -> str:
    if name == "daily_limit_usd":
        return usd(value) if value not in (None, "") else "—"
    return f"“{value}”" if value else "(empty)"


@dataclass(frozen=True)
class UrlHistory:
    rows: list[TradeUrlChange]
    more: bool  # older changes exist that are not shown (known from one extra row, never a COUNT)


def url_history(steam_user: SteamUser) -> UrlHistory:
    """The newest changes of a Steam user's trade URL, with who made them: one query, LIMITed (on the
    steam_user, -at index) whatever the length of the history. The URLs are stored with tokens masked."""
    rows = list(
        TradeUrlChange.objects.filter(steam_user=steam_user)
        .select_related("changed_by")
        .only("at", "old_url", "new_url", "changed_by__username")
        .order_by("-at", "-id")[: URL_HISTORY_ROWS + 1]
    )
    return UrlHistory(rows=rows[:URL_HISTORY_ROWS], more=len(rows) > URL_HISTORY_ROWS)
