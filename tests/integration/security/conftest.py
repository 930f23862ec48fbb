"""Fixtures of the security review: the URLs that spend money or call a provider, and an HTTP guard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import make_item, make_purchase, make_user

#: URL names of the views that spend money or call a provider
SENSITIVE_NAME = re.compile(r"buy|refresh|import|inventory|find")
#: the ones that exist today: the enumeration must at least find these
KNOWN_SENSITIVE = {
    "admin:purchases_buy_confirm",
    "admin:purchases_buy_choose_user",
    "admin:purchases_steamuser_buy",
    "admin:purchases_purchase_refresh",
    "admin:inventory_page",
    "admin:buying_pause",
    "admin:buying_resume",
}


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "admin:purchases_buy_confirm"
    route: str  # the full pattern, e.g. "admin/purchases/steamuser/<int:pk>/buy/"
    pattern: URLPattern


def walk(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URL pattern of the project with its namespaced name (empty when unnamed)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(name, prefix + str(entry.pattern), entry)


def sensitive_routes() -> list[Route]:
    return [r for r in walk() if r.name and SENSITIVE_NAME.search(r.name)]


@dataclass
class Objects:
    user: object
    item: object
    purchase: object

    def url(self, route: Route) -> str:
        """The route reversed with an existing object for each of its arguments."""
        kwargs = {}
        for key in _arguments(route.pattern):
            if key == "steam_id":
                kwargs[key] = self.user.steam_id
            elif "steamuser" in route.route:
                kwargs[key] = self.user.pk
            elif "/item/" in route.route:
                kwargs[key] = self.item.pk
            else:
                kwargs[key] = self.purchase.pk
        return reverse(route.name, kwargs=kwargs)


def _arguments(pattern: URLPattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


@pytest.fixture
def objects(db) -> Objects:
    user = make_user()
    return Objects(user=user, item=make_item(), purchase=make_purchase(steam_user=user, state="in_progress"))
