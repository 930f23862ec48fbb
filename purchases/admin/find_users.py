"""The Steam user lookup by name, for the admin pages: the one search rule's (purchases/search.py).

Exact or prefix, case-insensitive, bounded, never a scan: a range of the `steamuser_lower_name_idx` index
on LOWER(display_name) read in index order and cut after USER_LIMIT rows. Kept as the admin's import path.
"""

from __future__ import annotations

from ..search import (
    MIN_PREFIX,
    USER_LIMIT,
    UsersFound,
    name_prefix_range,
    users_named,
    with_name_starting,
)

__all__ = ["MIN_PREFIX", "USER_LIMIT", "UsersFound", "name_prefix_range", "users_named", "with_name_starting"]
