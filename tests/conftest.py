"""Fixtures shared by every test: users with roles, logged-in clients, the sandbox."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from purchases.roles import setup_roles


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
