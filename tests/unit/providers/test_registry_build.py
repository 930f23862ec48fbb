"""get_provider() builds every registered provider through its class's `from_settings`, wiring each
credential from that provider's own settings; the class also answers what services ask of a provider."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import override_settings

from purchases.providers import (
    PROVIDERS,
    AuthError,
    NotSupported,
    Rejected,
    SkinifyProvider,
    SkinsBackProvider,
    get_provider,
    is_duplicate_custom_id,
    provider_class,
    status_map,
)
from purchases.status import State, normalize

SETTINGS = {
    "SKINSBACK_API_URL": "https://sb.example/api.php",
    "SKINSBACK_CLIENT_ID": "sb-client-id",
    "SKINSBACK_CLIENT_SECRET": "sb-client-secret",
    "SKINSBACK_AUTH": "signature",
    "SKINSBACK_WEBHOOK_SECRET": "sb-webhook-secret",
    "SKINIFY_API_URL": "https://sf.example/api/",
    "SKINIFY_TOKEN": "sf-token",
    "PROVIDER_RATE_LIMITS": {},
    "PROVIDER_CALL_RECORDER": "",
}
#: for each registered code: the class it builds and the attributes wired from settings
EXPECTED = {
    "skinsback": (
        SkinsBackProvider,
        {
            "api_url": "https://sb.example/api.php",
            "client_id": "sb-client-id",
            "client_secret": "sb-client-secret",
            "auth": "signature",
        },
    ),
    "skinify": (SkinifyProvider, {"api_url": "https://sf.example/api/", "token": "sf-token"}),
}
NOW = datetime(2026, 1, 1, tzinfo=UTC)

SB, SF = status_map("skinsback"), status_map("skinify")


@pytest.fixture(autouse=True)
def _settings():
    with override_settings(**SETTINGS):
        yield


def test_every_registered_provider_has_an_expectation_here():
    assert set(EXPECTED) == set(PROVIDERS)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_get_provider_builds_the_registered_class_from_its_own_settings(code):
    cls, wired = EXPECTED[code]
    provider = get_provider(code)
    assert type(provider) is cls and provider.code == code == cls.code
    assert {name: getattr(provider, name) for name in wired} == wired
    assert provider.transport.provider == code
    assert cls.label


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_the_default_provider_is_built_the_same_way(code):
    with override_settings(DEFAULT_PROVIDER=code):
        assert type(get_provider()) is EXPECTED[code][0]


@pytest.mark.parametrize("code", ["steam", "SKINSBACK", "demo"])
def test_an_unknown_code_is_refused_and_never_built_as_another_provider(code):
    known = ", ".join(sorted(PROVIDERS))
    with pytest.raises(ValueError, match=f"unknown provider '{code}'; known providers: {known}$"):
        get_provider(code)
    with pytest.raises(ValueError, match="unknown provider"):
        provider_class(code)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_the_class_names_its_settings_and_they_exist(code):
    cls = provider_class(code)
    for name in (cls.url_setting, *cls.credential_settings, *cls.secret_settings):
        assert name in SETTINGS


def test_status_words_are_read_from_the_providers_class():
    assert normalize(SB, "rollback_supplier", now=NOW).state == State.REVERTED
    assert not normalize(SF, "rollback_supplier", now=NOW).known  # SkinsBack's word only
    assert normalize(SF, "reserved", now=NOW).state == State.IN_PROGRESS
    assert not normalize({}, "accepted", now=NOW).known


def test_games_are_named_both_ways_by_the_class():
    assert SkinifyProvider.game_code("cs2") == "csgo" and SkinifyProvider.our_game("csgo") == "cs2"
    assert SkinsBackProvider.game_code("csgo") == "cs2" and SkinsBackProvider.our_game("cs2") == "cs2"
    assert SkinifyProvider.game_code("dota2") == "dota2" == SkinsBackProvider.our_game("dota2")


def test_duplicate_custom_id_is_judged_by_the_refusing_providers_words():
    assert is_duplicate_custom_id(Rejected("custom_id_already_exists", provider="skinsback", code=7))
    assert is_duplicate_custom_id(Rejected("custom_id_already_exists", provider="skinify", code="x"))
    assert not is_duplicate_custom_id(Rejected("no", provider="skinify", code=7))


def test_callbacks_are_verified_by_the_class_with_its_secret():
    body = b'{"event": "balance_change", "data": {"balance_value": "1.00"}}'
    good = hmac.new(b"sb-webhook-secret", body, hashlib.sha256).hexdigest()
    SkinsBackProvider.verify_callback(body, {"Signature": good}, settings=settings)
    for headers, why in (({}, "missing signature"), ({"Signature": "0" * 64}, "bad signature")):
        with pytest.raises(AuthError, match=why):
            SkinsBackProvider.verify_callback(body, headers, settings=settings)
    assert SkinsBackProvider.parse_callback(body.decode()).balance == "1.00"
    assert not SkinifyProvider.sends_callbacks
    with pytest.raises(NotSupported):
        SkinifyProvider.verify_callback(body, {"Signature": good}, settings=settings)
