"""Fixtures shared by every test: users with roles, logged-in clients, an HTTP guard, the cache, the sandbox,
the fake provider."""

from __future__ import annotations

import pytest
import responses
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from purchases.roles import setup_roles
from tests.fakes import FakeProvider


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 costs ~0.2 s per user created or logged in; the tests check roles, not hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def roles(db):
    setup_roles()


def _staff(username: str, group: str | None):
    from django.contrib.auth.models import Group

    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password="pw-" + username, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    else:
        user.is_superuser = True
        user.save()
    return user


@pytest.fixture
def operator(roles):
    return _staff("olga.operator", "Operators")


@pytest.fixture
def support(roles):
    return _staff("sam.support", "Support")


@pytest.fixture
def approver(roles):
    return _staff("ann.approver", "Approvers")


@pytest.fixture
def payout_holds_off(settings):
    """Limits and the approval threshold out of the way, for tests about something else than holds."""
    for name in (
        "PAYOUT_APPROVAL_ABOVE_USD",
        "PAYOUT_LIMIT_PER_BATCH_USD",
        "PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD",
        "PAYOUT_LIMIT_PER_OPERATOR_DAY_USD",
    ):
        setattr(settings, name, "1000000")


@pytest.fixture
def superuser(roles):
    return _staff("root", None)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


def client_for(user) -> Client:
    """A logged-in client of its own, so clients of several roles can be used side by side."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def support_c(support) -> Client:
    return client_for(support)


@pytest.fixture
def operator_c(operator) -> Client:
    return client_for(operator)


@pytest.fixture
def superuser_c(superuser) -> Client:
    return client_for(superuser)


@pytest.fixture
def bare_staff(db):
    """A staff user with no group and no permission."""
    return get_user_model().objects.create_user("bare.staff", password="pw-bare-staff-1", is_staff=True)


@pytest.fixture
def nobody_c(roles) -> Client:
    """Staff, but without any permission."""
    user = get_user_model().objects.create_user("nora.nobody", password="pw-nora", is_staff=True)
    return client_for(user)


@pytest.fixture
def no_http():
    """Every HTTP request fails and is recorded: `assert not no_http.calls` proves none was made."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as guard:
        yield guard


@pytest.fixture
def fake_provider(monkeypatch) -> FakeProvider:
    """The fake provider (tests/fakes.py) behind every `get_provider()` call, for every provider code."""
    return FakeProvider().install(monkeypatch)


@pytest.fixture
def fake_health(fake_provider) -> FakeProvider:
    """The same fake as `fake_provider`, by the name the dashboard tests use."""
    return fake_provider


@pytest.fixture
def clean_cache(db):
    """The cache is a database table in tests, kept between transactional tests: start and end empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def sandbox_server():
    """One sandbox emulator for the whole run, on a free port."""
    from sandbox.server import SandboxServer

    with SandboxServer(port=0, seed=7, speed=1.0) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server, settings):
    """A fresh sandbox state, with the app's provider settings pointing at it."""
    # the sandbox clock barely moves on its own: tests move trades along with state.advance()
    sandbox_server.state.reset(seed=7, speed=0.001)
    settings.SKINSBACK_API_URL = sandbox_server.skinsback_url
    settings.SKINSBACK_CLIENT_ID = "sandbox"
    settings.SKINSBACK_CLIENT_SECRET = "sandbox-secret"
    settings.SKINSBACK_WEBHOOK_SECRET = "sandbox-secret"
    settings.SKINSBACK_AUTH = "headers"
    settings.SKINIFY_API_URL = sandbox_server.skinify_url
    settings.SKINIFY_TOKEN = "sandbox-token"
    settings.PROVIDER_READ_TIMEOUT = 2.0
    return sandbox_server
