"""The groups of DESIGN section 8 and their permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from . import permissions

VIEW_ALL = [
    "purchases.view_purchase",
    "purchases.view_steamuser",
    "purchases.view_item",
    "purchases.view_purchaseevent",
    "purchases.view_providercall",
    "purchases.view_webhookevent",
    "django_q.view_schedule",
    "django_q.view_success",
    "django_q.view_failure",
    "django_q.view_ormq",
]

ROLES: dict[str, list[str]] = {
    # support staff look things up and refresh them; they never spend money
    "Support": [*VIEW_ALL, permissions.REFRESH, permissions.VIEW_INVENTORY],
    "Operators": [
        *VIEW_ALL,
        permissions.BUY,
        permissions.REFRESH,
        permissions.VIEW_INVENTORY,
        "purchases.add_steamuser",
        "purchases.change_steamuser",
    ],
    # the second pair of eyes of the payout controls: they approve what others bought, never spend
    "Approvers": [*VIEW_ALL, permissions.APPROVE, permissions.REFRESH, permissions.VIEW_INVENTORY],
}


def _permission(dotted: str) -> Permission | None:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def setup_roles() -> dict[str, list[str]]:
    """Create or update the groups so they hold exactly the listed permissions. Idempotent."""
    result = {}
    for name, dotted_names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [perm for perm in map(_permission, dotted_names) if perm is not None]
        group.permissions.set(permissions)
        result[name] = sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)
    return result
