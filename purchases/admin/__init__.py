"""The back-office admin: thin pages and actions, each calling one service."""

from . import item, logs, purchase, steam_user  # noqa: F401  (registers the ModelAdmins)
