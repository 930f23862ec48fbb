"""Pieces shared by the admin pages: the state badge, a provider's name, a list's time, read-only admin,
exact search."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html

from ..models import ProviderCode
from ..status import BADGE_TITLES, State


def state_badge(state: str) -> str:
    """The one state badge of every page: the list column and, as `{{ state|state_badge }}`, templates."""
    if not state:
        return ""
    label = State(state).label if state in State.values else state
    return format_html(
        '<span title="{}" class="bo-badge bo-state-{}">{}</span>', BADGE_TITLES.get(state, ""), state, label
    )


def provider_label(code: str) -> str:
    """`SkinsBack` for `skinsback`; an unknown code (an old row, a typo in a form) as it is."""
    return ProviderCode(code).label if code in ProviderCode.values else code


def list_time(at, *, seconds: bool = False) -> str:
    """A list's time column: short (`14:05` today, `Dec 2 14:05` this year, `2025-12-02` before), the full
    time on hover. `seconds` for lists read to the second (callbacks)."""
    moment = timezone.localtime(at)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    now = timezone.localtime()
    if moment.date() == now.date():
        short = moment.strftime(clock)
    elif moment.year == now.year:
        short = f"{moment:%b} {moment.day} {moment.strftime(clock)}"
    else:
        short = moment.strftime("%Y-%m-%d")
    full = moment.strftime("%Y-%m-%d %H:%M:%S %Z")
    return format_html('<time datetime="{}" title="{}">{}</time>', moment.isoformat(), full, short)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs and provider data: visible, never edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def exact_q(term: str, fields: list[str]) -> Q:
    """OR of exact matches: each field has its own index, so the database can use them all."""
    query = Q()
    for field in fields:
        query |= Q(**{field: term})
    return query
