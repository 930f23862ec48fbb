"""Pieces shared by the admin pages: the state badge, a provider's name, read-only admin, exact search."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
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
