"""The one list of a purchase's fields shown outside the admin: the CSV export and `lookup_purchase`.

Each entry names the field, the queryset path it is read from (steam_id through the one join the export
makes), and where it appears. Add a field here and both outputs that should carry it do.
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

    @property
    def source(self) -> str:
        return self.path or self.name


PURCHASE_FIELDS: tuple[PurchaseField, ...] = (
    PurchaseField("custom_id"),
    PurchaseField("provider"),
    PurchaseField("buy_id"),
    PurchaseField("steam_id", path="steam_user__steam_id"),
    PurchaseField("item_name"),
    PurchaseField("state"),
    PurchaseField("provider_status"),
    PurchaseField("max_price"),
    PurchaseField("price"),
    PurchaseField("balance_debited"),
    PurchaseField("trade_offer_id"),
    PurchaseField("in_hold"),
    PurchaseField("hold_until"),
    PurchaseField("error_code"),
    PurchaseField("error_reason"),
    PurchaseField("needs_attention", exported=False),
    PurchaseField("attention_reason", exported=False),
    PurchaseField("imported", looked_up=False),
    PurchaseField("batch_id", looked_up=False),
    PurchaseField("created_at"),
    PurchaseField("sent_at", looked_up=False),
    PurchaseField("last_synced_at"),
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
