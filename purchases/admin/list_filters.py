"""The purchase list's typed filters (issue 21.6): by operator, by Steam user, by amount and by a date range.

Each reads only indexed columns or a bounded set: the operators are the staff users (a small table, never a
DISTINCT over purchases), a Steam user is found by its Steam id (its unique index) and filtered by its key,
the date range is a range on created_at (its index; no date cast), and the amount range narrows what the
created_at order already walks. A value that does not parse filters nothing and says so in the sidebar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from ..models import SteamUser
from ..validators import parse_money, validate_steam_id

COMMAND = "command"  # created by a command or a task, not a person
MAX_OPERATORS = 50


class OperatorFilter(admin.SimpleListFilter):
    title = "operator"
    parameter_name = "operator"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True).order_by("username")
        people = [(str(pk), name) for pk, name in staff.values_list("pk", "username")[:MAX_OPERATORS]]
        return [*people, (COMMAND, "a command (nobody)")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == COMMAND:
            return queryset.filter(created_by__isnull=True)
        if value and value.isdigit():
            return queryset.filter(created_by_id=int(value))
        return queryset


class InputFilter(admin.ListFilter):
    """A filter typed in, not picked from a list: one or two inputs (`fields`: parameter -> label)."""

    template = "admin/purchases/_input_filter.html"
    fields: dict[str, str] = {}
    input_type = "text"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.fields:
            if name in params:
                value = params.pop(name)
                value = value[-1] if isinstance(value, list) else value
                if str(value).strip():
                    self.used_parameters[name] = str(value).strip()
        self.problem = ""

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return list(self.fields)

    def choices(self, changelist):
        # the other filters, the search and the ordering stay as they are; the page starts again at 1
        keep = [
            (name, value)
            for name, values in self.request.GET.lists()
            if name not in self.fields and name != "p"
            for value in values
        ]
        inputs = [(name, label, self.used_parameters.get(name, "")) for name, label in self.fields.items()]
        yield {
            "inputs": inputs,
            "keep": keep,
            "clear_url": changelist.get_query_string(remove=list(self.fields)),
            "active": bool(self.used_parameters),
            "input_type": self.input_type,
            "problem": self.problem,
        }

    def queryset(self, request, queryset):
        try:
            return self.narrow(queryset)
        except ValidationError as error:
            self.problem = error.messages[0]
            return queryset


class SteamUserFilter(InputFilter):
    title = "Steam user"
    fields = {"steam_id": "Steam id (17 digits)"}

    def narrow(self, queryset):
        steam_id = self.used_parameters.get("steam_id")
        if not steam_id:
            return queryset
        validate_steam_id(steam_id)
        user_id = SteamUser.objects.filter(steam_id=steam_id).values_list("pk", flat=True).first()
        return queryset.filter(steam_user_id=user_id) if user_id else queryset.none()


class AmountFilter(InputFilter):
    title = "max price (USD)"
    fields = {"max_price_from": "from", "max_price_to": "to"}

    def narrow(self, queryset):
        low, high = (self._amount(name) for name in self.fields)
        if low is not None:
            queryset = queryset.filter(max_price__gte=low)
        if high is not None:
            queryset = queryset.filter(max_price__lte=high)
        return queryset

    def _amount(self, name: str) -> Decimal | None:
        value = self.used_parameters.get(name)
        return parse_money(value, field=f"max price {self.fields[name]}", allow_zero=True) if value else None


class CreatedRangeFilter(InputFilter):
    title = "dates created (UTC)"
    fields = {"created_from": "from", "created_to": "to (included)"}
    input_type = "date"

    def narrow(self, queryset):
        first, last = (self._day(name) for name in self.fields)
        if first is not None:
            queryset = queryset.filter(created_at__gte=datetime.combine(first, time.min, tzinfo=UTC))
        if last is not None:
            end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
            queryset = queryset.filter(created_at__lt=end)
        return queryset

    def _day(self, name: str) -> date | None:
        value = self.used_parameters.get(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError(f"{value!r} is not a date like 2026-12-01.") from None
