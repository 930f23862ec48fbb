"""Registering a provider is a change to the registry only: the models' choices follow it, no migration."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from purchases.models import Item, Purchase, WebhookEvent
from purchases.providers import PROVIDERS, SkinsBackProvider

pytestmark = pytest.mark.django_db  # makemigrations checks the applied migrations


class ThirdProvider(SkinsBackProvider):
    code = "third"
    label = "Third Market"


@pytest.fixture
def third_provider(monkeypatch):
    # the registry is a plain dict: the fields read it each time their choices are asked for
    monkeypatch.setitem(PROVIDERS, ThirdProvider.code, ThirdProvider)


def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_new_provider_is_a_choice_of_every_provider_field_and_needs_no_migration(third_provider):
    for model in (Item, Purchase, WebhookEvent):
        assert ("third", "Third Market") in model._meta.get_field("provider").choices
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # SystemExit(1) if one were needed


def test_the_new_code_validates_and_an_unknown_one_does_not(third_provider):
    field = Purchase._meta.get_field("provider")
    assert field.clean("third", None) == "third"
    with pytest.raises(ValidationError):
        field.clean("fourth", None)
