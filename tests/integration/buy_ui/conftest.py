"""Fixtures of the buy pages: a spy for the buy tasks, a provider error. The fake provider for the reads is
the root conftest's `fake_provider` (tests/fakes.py)."""

from __future__ import annotations

from unittest import mock

import pytest

from purchases.providers.base import ProviderError


@pytest.fixture
def enqueue(monkeypatch):
    """The buy tasks the confirmation would enqueue (after commit), instead of enqueueing them."""
    spy = mock.Mock(return_value=1)
    monkeypatch.setattr("purchases.services.create.enqueue_buys", spy)
    return spy


def provider_error(text: str = "under maintenance") -> ProviderError:
    from purchases.providers.base import Unavailable

    return Unavailable(text, provider="skinsback", code=-6)
