"""The admin login refuses, without checking the password, after 5 failures for one username or one
client address within 15 minutes (backoffice/auth.py)."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from backoffice import auth

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"
THROTTLED = "Too many failed login attempts. Try again in"


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", password=PASSWORD, is_staff=True)


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by hand."""
    now = [1_700_000_000.0]
    monkeypatch.setattr(auth, "now", lambda: now[0])
    return now


def login(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failures_for_a_username_block_it_without_checking_the_password(client, alice, clock):
    for n in range(5):
        response = login(
            client, "alice", f"wrong-{n}", ip=f"10.0.1.{n}"
        )  # five addresses: the username counts
        assert response.status_code == 200 and THROTTLED not in response.text
    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        response = login(client, "alice", PASSWORD, ip="10.0.2.1")
    assert not authenticate.called  # the password was not even checked
    assert response.status_code == 200
    assert f"{THROTTLED} 15 minute(s)." in response.text
    assert not logged_in(client)


def test_the_block_ends_when_the_failures_age_out_of_the_window(client, alice, clock):
    for n in range(5):
        login(client, "ALICE", f"wrong-{n}")  # the username is counted case-insensitively
        clock[0] += 60
    assert f"{THROTTLED} 10 minute(s)." in login(client, "alice", PASSWORD).text  # t0 + 15 min - (t0 + 5 min)
    clock[0] += 10 * 60 + 1  # the first failure is now older than 15 minutes: four remain
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_five_failures_from_one_address_block_every_username_from_it(client, alice, clock):
    for n in range(5):
        login(client, f"nobody-{n}", "guess", ip="203.0.113.9")
    assert THROTTLED in login(client, "alice", PASSWORD, ip="203.0.113.9").text
    assert not logged_in(client)
    response = login(client, "alice", PASSWORD, ip="198.51.100.7")  # the same user elsewhere: fine
    assert response.status_code == 302 and logged_in(client)


def test_a_success_forgets_the_username_failures(client, alice, clock):
    for n in range(4):
        login(client, "alice", f"wrong-{n}", ip=f"10.0.3.{n}")
    assert login(client, "alice", PASSWORD, ip="10.0.4.1").status_code == 302
    client.logout()
    for n in range(4):
        login(client, "alice", f"again-{n}", ip=f"10.0.5.{n}")
    assert login(client, "alice", PASSWORD, ip="10.0.6.1").status_code == 302  # 4, not 8, failures count


def test_failures_are_kept_in_the_shared_cache(client, alice, clock):
    from backoffice import counters

    login(client, "alice", "wrong", ip="10.0.7.1")
    user_key, ip_key = auth.throttle_keys("alice", "10.0.7.1")
    for key in (user_key, ip_key):
        assert counters.peek(key, clock[0], auth.window()) == counters.Hit(count=1, start=clock[0])
    assert "alice" not in user_key  # hashed: any username makes a safe cache key


def test_the_client_address_behind_our_own_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.4")
    assert auth.client_ip(request) == "10.9.9.9"  # no proxy configured: a client cannot choose its address
    settings.LOGIN_THROTTLE_PROXY_HOPS = 1
    assert auth.client_ip(request) == "192.0.2.4"  # what our proxy saw, not what the client claimed


@pytest.mark.django_db(transaction=True)
def test_simultaneous_logins_get_no_more_password_checks_than_the_limit(clean_cache, monkeypatch):
    """40 logins at once for one username: the slot is taken atomically before the password is checked,
    so at most 5 passwords are checked (a read-then-write count let 6 through in the attack run)."""
    import threading

    from django.contrib.auth.backends import ModelBackend
    from django.db import connection
    from django.test import Client

    get_user_model().objects.create_user("bob", password=PASSWORD, is_staff=True)
    checks: list[str] = []
    real_authenticate = ModelBackend.authenticate
    start = threading.Barrier(40)

    def counted(self, request, username=None, password=None, **kwargs):
        checks.append(username)
        time.sleep(0.2)  # widens the gap between the throttle's count and the check: no effect on the fix
        return real_authenticate(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counted)
    answers: list[int] = []

    def attempt(n: int) -> None:
        try:
            start.wait(timeout=30)
            answers.append(login(Client(), "bob", f"wrong-{n}", ip=f"10.1.{n // 200}.{n % 200}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 40 and set(answers) == {200}
    assert 1 <= len(checks) <= auth.attempts_allowed()
