"""The one list of a purchase's fields: the CSV export, `lookup_purchase` and the purchase page's sections.

Each entry names the field, the queryset path it is read from (steam_id through the one join the export
makes), and where it appears. Add a field here and every output that should carry it does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PurchaseField:
    name: str
    #: queryset path; `__` follows a relation
    path: str = ""
    #: a column of the CSV export
    exported: bool = True
    #: printed by `lookup_purchase`
    looked_up: bool = True
    #: the purchase page's section (an admin fieldset) it is shown in; None: not shown there
    section: str | None = None

    @property
    def source(self) -> str:
        return self.path or self.name


#: the purchase page's sections, in page order (the first has no title)
MAIN, MONEY, TRADE, PROBLEMS, ORIGIN, RAW = "", "Money", "Trade", "Problems", "Origin", "Last provider answer"
SECTIONS: tuple[str, ...] = (MAIN, MONEY, TRADE, PROBLEMS, ORIGIN, RAW)
ADMIN_ONLY = {"exported": False, "looked_up": False}

PURCHASE_FIELDS: tuple[PurchaseField, ...] = (
    PurchaseField("custom_id", section=MAIN),
    PurchaseField("provider", section=MAIN),
    PurchaseField("buy_id", section=TRADE),
    PurchaseField("steam_id", path="steam_user__steam_id", section=MAIN),
    PurchaseField("item_name", section=MAIN),
    PurchaseField("state", section=MAIN),
    PurchaseField("provider_status", section=MAIN),
    PurchaseField("max_price", section=MONEY),
    PurchaseField("price", section=MONEY),
    PurchaseField("balance_debited", section=MONEY),
    PurchaseField("trade_offer_id", section=TRADE),
    PurchaseField("in_hold", section=TRADE),
    PurchaseField("hold_until", section=TRADE),
    PurchaseField("error_code", section=PROBLEMS),
    PurchaseField("error_reason", section=PROBLEMS),
    PurchaseField("needs_attention", exported=False, section=PROBLEMS),
    PurchaseField("attention_reason", exported=False, section=PROBLEMS),
    PurchaseField("imported", looked_up=False, section=ORIGIN),
    PurchaseField("batch_id", looked_up=False, section=ORIGIN),
    PurchaseField("created_at", section=ORIGIN),
    PurchaseField("sent_at", looked_up=False, section=TRADE),
    PurchaseField("last_synced_at", section=TRADE),
    PurchaseField("replaces", **ADMIN_ONLY, section=ORIGIN),
    PurchaseField("created_by", **ADMIN_ONLY, section=ORIGIN),
    PurchaseField("raw", **ADMIN_ONLY, section=RAW),
)

#: (CSV header, queryset path), in column order
EXPORT_COLUMNS: list[tuple[str, str]] = [(f.name, f.source) for f in PURCHASE_FIELDS if f.exported]
LOOKUP_FIELDS: list[PurchaseField] = [f for f in PURCHASE_FIELDS if f.looked_up]


def read(obj: object, field: PurchaseField) -> object:
    """The field's value on a model instance, following `__` through relations."""
    value = obj
    for part in field.source.split("__"):
        value = getattr(value, part)
    return value


def section_fields(section: str) -> list[str]:
    """The names of the fields shown in one section of the purchase page, in list order."""
    return [f.name for f in PURCHASE_FIELDS if f.section == section]
