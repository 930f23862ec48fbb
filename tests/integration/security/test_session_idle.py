"""Issue 19, point 8: a staff session ends after SESSION_IDLE_HOURS (12) without a request; each request
moves its end on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

pytestmark = pytest.mark.django_db

PAGE = "/admin/purchases/purchase/"


def stored(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_lasts_twelve_idle_hours_not_two_weeks(operator_client):
    assert settings.SESSION_IDLE_HOURS == 12
    assert operator_client.get(PAGE).status_code == 200
    left = stored(operator_client).expire_date - timezone.now()
    assert timedelta(hours=11) < left <= timedelta(hours=12)


def test_each_request_moves_the_end_on(operator_client, settings):
    settings.SESSION_TOUCH_SECONDS = 0  # the end is moved at most once per SESSION_TOUCH_SECONDS (5 min)
    operator_client.get(PAGE)
    Session.objects.filter(pk=stored(operator_client).pk).update(
        expire_date=timezone.now() + timedelta(hours=1)
    )
    assert operator_client.get(PAGE).status_code == 200
    assert stored(operator_client).expire_date - timezone.now() > timedelta(hours=11)


def test_an_idle_session_has_ended(operator_client):
    operator_client.get(PAGE)
    Session.objects.filter(pk=stored(operator_client).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = operator_client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_requests_within_five_minutes_do_not_write_the_session(operator_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    operator_client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        assert operator_client.get(PAGE).status_code == 200
    assert not [q["sql"] for q in queries if "django_session" in q["sql"] and q["sql"].startswith("UPDATE")]
