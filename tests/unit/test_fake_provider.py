"""The tests' fake provider (tests/fakes.py): installed through the registry, one record, configurable answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from purchases.providers import PROVIDERS, SkinifyProvider, SkinsBackProvider, get_provider
from purchases.providers.base import Balance, NotSupported, ServerStatus, Unavailable
from tests.fakes import Call, FakeNotConfigured, FakeProvider


def test_every_registered_code_builds_a_fake_of_its_real_class(fake_provider):
    for code, real in [("skinsback", SkinsBackProvider), ("skinify", SkinifyProvider)]:
        client = get_provider(code, interactive=True)
        assert isinstance(client, real) and client.code == code and type(client) is PROVIDERS[code]
    assert get_provider().code == "skinsback"  # settings.DEFAULT_PROVIDER
    assert fake_provider.codes == ["skinsback", "skinify", "skinsback"] and fake_provider.calls == []


def test_the_registry_is_restored_after_the_test():
    fake, patch = FakeProvider(), pytest.MonkeyPatch()
    real = dict(PROVIDERS)
    fake.install(patch)
    assert real != PROVIDERS
    patch.undo()
    assert real == PROVIDERS


def test_calls_carry_method_arguments_and_code(fake_provider):
    get_provider("skinify").search(name="Redline", game="cs2")
    get_provider("skinsback").balance()
    assert fake_provider.calls == [
        Call("search", {"name": "Redline", "game": "cs2"}, "skinify"),
        Call("balance", {}, "skinsback"),
    ]
    assert fake_provider.called("balance") == [Call("balance")]
    assert fake_provider.reads == fake_provider.calls and fake_provider.writes == []
    fake_provider.reset()
    assert fake_provider.calls == [] and fake_provider.codes == []


def test_default_answers_and_the_shorthands(fake_provider):
    client = get_provider("skinsback")
    assert client.balance() == Balance(amount=Decimal("1234.50"), currency="usd", usd=Decimal("1234.50"))
    assert client.server_status() == ServerStatus(available=True)
    assert client.search(name="x", game="cs2") == [] and list(client.price_list(game="cs2")) == []
    assert len(client.inventory(steam_id="1", token="t", game="cs2").items) == 17
    fake_provider.amount = Decimal("5.00")
    assert client.balance().amount == fake_provider.balance_amount == Decimal("5.00")
    fake_provider.answer = None
    assert fake_provider.answers["inventory"] is None


def test_errors_per_method_per_code_and_for_every_method(fake_provider):
    skinsback, skinify = get_provider("skinsback"), get_provider("skinify")
    fake_provider.errors["skinify:balance"] = Unavailable("down")
    assert skinsback.balance().amount == Decimal("1234.50")
    with pytest.raises(Unavailable):
        skinify.balance()
    fake_provider.balance_error = RuntimeError("boom")
    with pytest.raises(RuntimeError):
        skinsback.balance()
    fake_provider.balance_error = None
    fake_provider.error = Unavailable("everything down")
    with pytest.raises(Unavailable):
        skinsback.search(name="x", game="cs2")


def test_a_provider_that_cannot_be_built(fake_provider):
    fake_provider.build_error = ValueError("misconfigured")
    with pytest.raises(ValueError):
        get_provider("skinify")
    assert fake_provider.codes == ["skinify"]


def test_methods_the_real_class_does_not_offer_are_not_offered(fake_provider):
    skinify = get_provider("skinify")
    with pytest.raises(NotSupported):
        skinify.server_status()
    fake_provider.answers["skinify:server_status"] = ServerStatus(available=False, reason="test")
    assert skinify.server_status().reason == "test"


def test_buys_need_an_answer(fake_provider):
    client = get_provider("skinsback")
    with pytest.raises(FakeNotConfigured):
        client.buy(partner="p", token="t", request=None)
    fake_provider.answers["buy"] = lambda **kwargs: kwargs["partner"]
    assert client.buy(partner="p", token="t", request=None) == "p"
    assert [c.method for c in fake_provider.writes] == ["buy", "buy"]


def test_every_api_call_of_the_interface_is_answered_by_the_fake_never_sent(fake_provider, no_http):
    """A method added to Provider and not to API_CALLS would reach the real client (and the network)."""
    from purchases.providers.base import Provider
    from tests.fakes import API_CALLS, FakeClient

    sends = {
        name
        for name, member in vars(Provider).items()
        if callable(member)
        and not name.startswith("_")
        and name not in {"buy_outcome_unknown", "iter_history"}
    }
    assert sends == set(API_CALLS)
    skinify = get_provider("skinify")
    fake_provider.answers["item_price"] = "entry"
    assert skinify.item_price(item_id="42") == "entry"  # game defaulted, recorded by name
    assert fake_provider.calls == [Call("item_price", {"item_id": "42", "game": ""}, "skinify")]
    assert all(getattr(FakeClient, name).__signature__ for name in API_CALLS) and not no_http.calls
