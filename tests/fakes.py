"""The one fake provider of the tests, installed through the registry (`purchases.providers.PROVIDERS`).

    def test_balance_is_shown(operator_client, fake_provider):
        fake_provider.balance_amount = Decimal("5.00")
        operator_client.get(url)
        assert fake_provider.reads == [Call("balance", code="skinsback")]
        assert fake_provider.codes == ["skinsback"]

Installing (`FakeProvider.install`, done by the `fake_provider` fixture of tests/conftest.py) replaces every
registry entry with a subclass of the real class (`FakeSkinsBackProvider(FakeClient, SkinsBackProvider)`)
whose `from_settings` returns a client bound to this fake. Every caller (admin pages, inventory, dashboard,
services, commands) gets it through the real `get_provider()`: nothing is patched at an import site. The
client is an instance of the real class, so its profile (code, label, status words, games, batch size,
refusal codes) is the real one; only the API calls are faked.

API (one fake serves every provider code; the client it answers through carries the code):

- `calls`: every API call, in order, as `Call(method, kwargs, code)`; `kwargs` holds every parameter of
  the method's signature (defaults included), `code` which provider's client was called.
- `codes`: the provider code of every `get_provider()` build, in order (one entry per build).
- `called(method)`: the calls of one method. `reads`: the calls that are not buys. `writes`: the buys.
- `reset()`: forget the calls and builds (after a setup step, to check what comes next asks nothing).
- `answers[method]`: what a method returns (a value, or a callable given the call's kwargs). Defaults:
  balance 1234.50 USD, server status up, no search results, no price list, no purchases, an empty
  history, and the vendor's example inventory (17 items, 4 disabled, rub). `buy` and `batch_buy` have
  no default: configure them, or the call fails with `FakeNotConfigured`. `answers[f"{code}:{method}"]`
  answers for one provider only.
- `errors[method]` (or `errors[f"{code}:{method}"]`): raised by that method instead of answering;
  `error`: raised by every method that has no error of its own; `build_error`: raised by
  `get_provider()` itself (a provider that cannot even be built), after the code is recorded in `codes`.
- A method the real class does not offer (Skinify's `server_status`, `batch_buy`) raises `NotSupported`,
  as the real client does, unless an error or a per-code answer is configured for it.
- Shorthands kept from the three fakes this one replaced: `balance_amount` (alias `amount`),
  `balance_error`, `search_result`, `search_error` and `answer` (the inventory) read and write
  `answers` / `errors`. `calls`, `reads` and `codes` keep their names but now hold `Call`s and codes.
- `Call(method, kwargs={}, code="skinsback")` compares all three. From the old fakes: `("balance",)` is
  `Call("balance")`, `("search", name, game)` is `Call("search", {"name": name, "game": game})`, an
  inventory kwargs dict `d` is `Call("inventory", d)` (or read `call.kwargs`), `calls.count("balance")`
  is `len(called("balance"))`, `calls.clear()` is `reset()`, and the dashboard's `error = ValueError(...)`
  (the build fails) is `build_error`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from purchases.providers import PROVIDERS
from purchases.providers.base import (
    Balance,
    CatalogEntry,
    HistoryPage,
    Inventory,
    NotSupported,
    Provider,
    PurchaseInfo,
    ServerStatus,
)
from purchases.providers.skinsback import parse as skinsback_parse
from tests.fixtures import vendor

WRITES = frozenset({"buy", "batch_buy"})


class FakeNotConfigured(AssertionError):
    """The code under test called a method the test gave no answer for."""


@dataclass(frozen=True)
class Call:
    """One API call made on a fake client: the method, its arguments by name, the provider's code."""

    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    code: str = "skinsback"


def vendor_inventory() -> Inventory:
    """The vendor page's example (17 items, 4 disabled, rub), parsed by the real SkinsBack parser."""
    return skinsback_parse.inventory(vendor.load("skinsback_user_inventory"))


def default_answers() -> dict[str, Any]:
    return {
        "balance": usd_balance(Decimal("1234.50")),
        "server_status": ServerStatus(available=True),
        "search": [],
        "price_list": [],
        "get_purchases": [],
        "history": HistoryPage(items=[], has_more=False),
        "inventory": vendor_inventory(),
    }


def _error_of(method: str) -> property:
    """A shorthand for `errors[method]`: read it, set it, or set None to clear it."""
    return property(
        lambda self: self.errors.get(method),
        lambda self, error: self._set_error(method, error),
    )


def usd_balance(amount: Decimal | None) -> Balance:
    """The balance of a USD project: its own figure is the USD one."""
    return Balance(amount=amount, currency="usd", usd=amount)  # type: ignore[arg-type]


@dataclass(eq=False)
class FakeProvider:
    """Configured answers and errors, and the record of every build and call (see the module docstring)."""

    answers: dict[str, Any] = field(default_factory=default_answers)
    errors: dict[str, BaseException] = field(default_factory=dict)
    error: BaseException | None = None
    build_error: BaseException | None = None
    calls: list[Call] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------------------------ installing

    def install(self, monkeypatch: Any) -> FakeProvider:
        """Replace every registered provider class by its fake subclass, for the test's duration."""
        for code, real in list(PROVIDERS.items()):
            monkeypatch.setitem(PROVIDERS, code, fake_class(real, self))
        return self

    def build(self, code: str) -> None:
        self.codes.append(code)
        if self.build_error is not None:
            raise self.build_error

    # ------------------------------------------------------------------------------------ the record

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def reads(self) -> list[Call]:
        return [c for c in self.calls if c.method not in WRITES]

    @property
    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method in WRITES]

    def reset(self) -> None:
        self.calls.clear()
        self.codes.clear()

    # ------------------------------------------------------------------------------------ answering

    def respond(self, code: str, method: str, offered: bool, kwargs: dict[str, Any]) -> Any:
        self.calls.append(Call(method, kwargs, code))
        error = self.errors.get(f"{code}:{method}", self.errors.get(method, self.error))
        if error is not None:
            raise error
        if f"{code}:{method}" in self.answers:
            return self._value(self.answers[f"{code}:{method}"], kwargs)
        if not offered:
            raise NotSupported(f"{method} is not offered", provider=code)
        if method not in self.answers:
            raise FakeNotConfigured(f"the fake provider has no answer for {method}({kwargs})")
        return self._value(self.answers[method], kwargs)

    @staticmethod
    def _value(answer: Any, kwargs: dict[str, Any]) -> Any:
        return answer(**kwargs) if callable(answer) else answer

    # ------------------------------------------------------------------------------------ shorthands

    @property
    def balance_amount(self) -> Decimal | None:
        return self.answers["balance"].usd

    @balance_amount.setter
    def balance_amount(self, amount: Decimal | None) -> None:
        self.answers["balance"] = usd_balance(amount)  # type: ignore[arg-type]

    amount = balance_amount

    def purchases_say(self, status: str) -> None:
        """get_purchases answers each custom_id or buy_id asked about with `status` (e.g. "canceled":
        the provider confirms a failure, which Buy again asks for)."""

        def answer(custom_ids=(), buy_ids=()):
            by_custom = [PurchaseInfo(provider="", status=status, custom_id=c) for c in custom_ids]
            return by_custom + [PurchaseInfo(provider="", status=status, buy_id=b) for b in buy_ids]

        self.answers["get_purchases"] = answer

    balance_error = _error_of("balance")
    search_error = _error_of("search")

    @property
    def search_result(self) -> list[CatalogEntry]:
        return self.answers["search"]

    @search_result.setter
    def search_result(self, entries: list[CatalogEntry]) -> None:
        self.answers["search"] = entries

    @property
    def answer(self) -> Inventory | None:
        return self.answers.get("inventory")

    @answer.setter
    def answer(self, inventory: Inventory | None) -> None:
        self.answers["inventory"] = inventory

    def _set_error(self, method: str, error: BaseException | None) -> None:
        if error is None:
            self.errors.pop(method, None)
        else:
            self.errors[method] = error


class FakeClient:
    """The API calls of a fake client; mixed in before the real provider class by `fake_class`."""

    fake: FakeProvider
    real: type[Provider]

    def __init__(self, **_ignored: Any) -> None:
        pass

    @classmethod
    def from_settings(cls, settings: Any, *, transport: Any = None) -> Provider:
        cls.fake.build(cls.real.code)
        return cls()  # type: ignore[return-value]

    def _respond(self, method: str, **kwargs: Any) -> Any:
        offered = getattr(self.real, method) is not getattr(Provider, method)
        return self.fake.respond(self.real.code, method, offered, kwargs)


#: the provider's API calls (the methods of `Provider` that send a request): the fake answers each one
API_CALLS = (
    "buy",
    "batch_buy",
    "get_purchases",
    "history",
    "inventory",
    "price_list",
    "search",
    "item_price",
    "balance",
    "server_status",
)


def _fake_call(method: str) -> Any:
    """A FakeClient method with `Provider.<method>`'s own signature: the call is recorded with every
    argument by name, defaults included, so the fake cannot drift from the interface."""
    signature = inspect.signature(getattr(Provider, method))

    def call(self: FakeClient, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = {name: value for name, value in bound.arguments.items() if name != "self"}
        answer = self._respond(method, **arguments)
        return iter(answer) if method == "price_list" else answer

    call.__name__ = call.__qualname__ = method
    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


for _method in API_CALLS:
    setattr(FakeClient, _method, _fake_call(_method))


def fake_class(real: type[Provider], fake: FakeProvider) -> type[Provider]:
    """`real`'s fake subclass: the real profile, the fake's API calls, built by `from_settings`."""
    name = f"Fake{real.__name__}"
    return type(name, (FakeClient, real), {"fake": fake, "real": real, "__module__": __name__})
