"""How old a provider read is, in words (purchases/ages.py)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from purchases.ages import ago, clock, read_ago

NOW = datetime(2026, 12, 2, 14, 5, 30, tzinfo=UTC)


def test_seconds_then_the_largest_unit():
    assert ago(NOW - timedelta(seconds=12), NOW) == "12 s ago"
    assert ago(NOW + timedelta(seconds=3), NOW) == "0 s ago"  # a clock a little ahead is "now"
    assert ago(NOW - timedelta(minutes=5, seconds=10), NOW) == "5 minutes ago"
    assert ago(NOW - timedelta(days=3, hours=4), NOW) == "3 days ago"
    assert ago(None, NOW) == "never"


def test_read_ago_and_clock():
    assert read_ago(NOW - timedelta(days=3), NOW) == "read 3 days ago"
    assert read_ago(None, NOW) == "never read from the provider"
    assert clock(NOW) == "14:05 UTC"
    assert clock(NOW.astimezone(ZoneInfo("Europe/Berlin"))) == "14:05 UTC"
