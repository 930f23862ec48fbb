"""Fixtures of the support tooling tests: a clean cache. The fake provider is the root conftest's
`fake_provider` (tests/fakes.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache(clean_cache):
    """Every test here starts with an empty cache (the root conftest's `clean_cache`)."""
