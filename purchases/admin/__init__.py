"""The back-office admin: thin pages and actions, each calling one service.

One wiring style, Django's own: a page is a method of its ModelAdmin or of a mixin on it (find.py,
buy.py), routed by that ModelAdmin's `get_urls` through `self.admin_site.admin_view` and rendered from
`admin/purchases/<model>/<page>.html` (pages.py). The site itself (titles, login, index dashboard, the
inventory page) is backoffice/admin.py. Audit records (PurchaseEvent, LogEntry) are written by the
services, never here.
"""

from . import item, logs, payout_admin, purchase, refunds, steam_user  # noqa: F401  (registers the ModelAdmins)
