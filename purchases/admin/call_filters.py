"""The provider-call list's filters over known sets, never a SELECT DISTINCT over the whole table.

The stock `list_filter = ("method", ...)` reads every distinct value of the column to draw its choices,
which costs a scan of a million rows per page view. The providers' request names and the recorder's
outcomes are known; a value missing here (a new endpoint) still filters when put in the URL.
"""

from __future__ import annotations

from django.contrib import admin

#: the request names the providers record (purchases/providers/*: SkinsBack's methods, Skinify's paths)
PROVIDER_METHODS = (
    "balance",
    "market_batch_buy",
    "market_buy",
    "market_getinfo",
    "market_history",
    "market_pricelist",
    "market_search",
    "project-balance",
    "status",
    "steam-inventory",
    "user_inventory",
    "withdraw/buy",
    "withdraw/history",
    "withdraw/info",
    "withdraw/price",
    "withdraw/prices",
)
#: what providers/wire.py records as a call's outcome
OUTCOMES = (
    ("ok", "OK"),
    ("error", "Error answer"),
    ("timeout", "Timeout"),
    ("invalid", "Invalid answer"),
    ("http_error", "HTTP error"),
)


class _KnownValuesFilter(admin.SimpleListFilter):
    field = ""
    known: tuple[tuple[str, str], ...] = ()

    def lookups(self, request, model_admin):
        return self.known

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class MethodFilter(_KnownValuesFilter):
    title = "method"
    parameter_name = field = "method"
    known = tuple((name, name) for name in PROVIDER_METHODS)


class OutcomeFilter(_KnownValuesFilter):
    title = "outcome"
    parameter_name = field = "outcome"
    known = OUTCOMES


#: the callback events SkinsBack sends (its callback words); others are stored as they come
CALLBACK_EVENTS = ("buy_item", "status_change")


class CallbackEventFilter(_KnownValuesFilter):
    title = "event"
    parameter_name = field = "event"
    known = tuple((name, name) for name in CALLBACK_EVENTS)
