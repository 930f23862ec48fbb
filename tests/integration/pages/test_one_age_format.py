"""One age format (purchases/ages.py) for the list's reasons, the buy pages and the index's last sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from purchases.admin.reasons import reason
from purchases.ages import age, ago
from tests.factories import make_purchase

pytestmark = pytest.mark.django_db


def test_age_is_one_unit_without_non_breaking_spaces():
    now = timezone.now()
    assert age(now - timedelta(seconds=12), now) == "12 s"
    assert age(now - timedelta(hours=3, minutes=5), now) == "3 hours"
    assert ago(now - timedelta(hours=3, minutes=5), now) == "3 hours ago"


def test_a_stuck_purchase_says_its_age_in_that_format():
    purchase = make_purchase(state="in_progress")
    purchase.created_at = timezone.now() - timedelta(hours=3, minutes=5)
    assert reason(purchase).attention == "Needs attention: in progress for 3 hours"


def test_the_ago_filter():
    moment = timezone.now() - timedelta(minutes=7, seconds=3)
    rendered = Template("{% load backoffice_tags %}{{ m|ago }}").render(Context({"m": moment}))
    assert rendered == "7 minutes ago"
