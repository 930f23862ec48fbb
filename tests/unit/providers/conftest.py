"""Helpers for the provider unit tests: clients wired to a fake clock, collected CallRecords."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from purchases.providers import SkinifyProvider, SkinsBackProvider, Transport
from purchases.providers.http import CallRecord

SB_URL = "https://skinsback.test/api.php"
SF_URL = "https://skinify.test/api/"
CLIENT_ID = "1490"
SECRET = "SECRET-sb-7f3a9c"
SF_TOKEN = "SFTOKEN-4b8d2e"
TRADE_TOKEN = "TrAdE9x7"


class FakeClock:
    """time() and sleep() that only move when told: retries and waits cost no real time."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def records() -> list[CallRecord]:
    return []


@pytest.fixture
def transport(clock: FakeClock, records: list[CallRecord]) -> Callable[..., Transport]:
    def make(code: str, **options: Any) -> Transport:
        options.setdefault("recorder", records.append)
        return Transport(code, sleep=clock.sleep, clock=clock.time, backoff_base=0.01, **options)

    return make


@pytest.fixture
def skinsback(transport: Callable[..., Transport]) -> Callable[..., SkinsBackProvider]:
    def make(auth: str = "headers", secret: str = SECRET, **options: Any) -> SkinsBackProvider:
        return SkinsBackProvider(
            api_url=SB_URL,
            client_id=CLIENT_ID,
            client_secret=secret,
            auth=auth,
            transport=transport("skinsback", **options),
        )

    return make


@pytest.fixture
def skinify(transport: Callable[..., Transport]) -> Callable[..., SkinifyProvider]:
    def make(**options: Any) -> SkinifyProvider:
        return SkinifyProvider(api_url=SF_URL, token=SF_TOKEN, transport=transport("skinify", **options))

    return make


@pytest.fixture
def mocked() -> responses.RequestsMock:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps
