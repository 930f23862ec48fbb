"""One time column for the lists (purchases/admin/common.list_time): the purchase list's "created" and the
callback list's "received" read alike, short in the cell and whole on hover."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from purchases.admin.common import list_time


def test_today_this_year_and_before():
    now = timezone.localtime()
    today = list_time(now)
    assert f">{now:%H:%M}</time>" in today and f'datetime="{now.isoformat()}"' in today
    assert f">{now:%H:%M:%S}</time>" in list_time(now, seconds=True)
    old = now - timedelta(days=800)
    assert f">{old:%Y-%m-%d}</time>" in list_time(old)
    assert f'title="{old:%Y-%m-%d %H:%M:%S %Z}"' in list_time(old)
