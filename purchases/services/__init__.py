"""The only code that calls a provider and then writes. Admin, tasks and commands each call one of these."""

from .buy import purchases_send
from .create import BuyError, BuyLine, CreateResult, default_max_price, enqueue_buys, purchases_create
from .lookup import LookupReport, purchases_resolve
from .reverify import purchases_reverify, purchases_verify
from .sync import SyncReport, purchases_sync

__all__ = [
    "BuyError",
    "BuyLine",
    "CreateResult",
    "LookupReport",
    "SyncReport",
    "default_max_price",
    "enqueue_buys",
    "purchases_create",
    "purchases_resolve",
    "purchases_reverify",
    "purchases_send",
    "purchases_sync",
    "purchases_verify",
]
