"""What a provider is besides its API calls: its name, settings, status words, games, callbacks and
error words. Each provider class sets these; services and views ask the class (through the registry in
`purchases.providers`), never `if code == "..."`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ..status import State
    from .base import Callback, Provider
    from .http import Transport

#: older spellings of our own game names (purchases.models.Game), still accepted and read as ours
OUR_OLD_GAME_NAMES = {"csgo": "cs2"}


class ProviderProfile:
    """The class-level description of a provider; `Provider` adds the API calls."""

    code: ClassVar[str] = ""
    #: the name people read (admin choices, messages)
    label: ClassVar[str] = ""
    #: the setting that holds the API base URL (purchases.checks warns when it is local in production)
    url_setting: ClassVar[str] = ""
    #: the settings support is told to check when the provider rejects our credentials
    credential_settings: ClassVar[tuple[str, ...]] = ()
    #: the settings that hold secrets: scrubbed from every page that shows provider text
    secret_settings: ClassVar[tuple[str, ...]] = ()
    #: each status word of the provider and our state for it (purchases.status.normalize)
    status_map: ClassVar[Mapping[str, State]] = {}
    #: how far along an in-progress purchase is, in the provider's words (unknown words rank 1)
    status_rank: ClassVar[Mapping[str, int]] = {}
    #: the codes (and words) with which a buy is refused because its custom_id was used before
    duplicate_custom_id_codes: ClassVar[frozenset[int | str]] = frozenset()
    #: the refusals of a buy that say this provider cannot sell this skin now (sold out, nothing at the max
    #: price, our balance there too low): another provider may, so the line fails over (services/failover.py)
    failover_codes: ClassVar[frozenset[int | str]] = frozenset()
    #: our game names under this provider's names, where they differ
    game_codes: ClassVar[Mapping[str, str]] = {}
    #: inventory problems (the kinds of inventory/errors.py) and the provider's codes and words for each
    inventory_error_words: ClassVar[Mapping[str, frozenset[str]]] = {}
    #: whether the provider posts callbacks to /webhooks/<code>/
    sends_callbacks: ClassVar[bool] = False

    @classmethod
    def from_settings(cls, settings: Any, *, transport: Transport | None = None) -> Provider:
        """The client configured from Django `settings` (read now, never at import)."""
        raise NotImplementedError(f"{cls.__name__} does not say how to build itself from settings")

    @classmethod
    def game_code(cls, game: str) -> str:
        """Our game name (or an old spelling of it) as this provider names the game."""
        ours = OUR_OLD_GAME_NAMES.get(game, game)
        return cls.game_codes.get(ours, ours)

    @classmethod
    def our_game(cls, provider_game: str) -> str:
        """The provider's game name as we name the game (Item.game)."""
        ours = {theirs: ours for ours, theirs in cls.game_codes.items()}
        return ours.get(provider_game) or OUR_OLD_GAME_NAMES.get(provider_game, provider_game)

    @classmethod
    def is_duplicate_custom_id(cls, code: int | str | None, message: str = "") -> bool:
        """True when a refusal with this code or message says the custom_id exists already."""
        return code in cls.duplicate_custom_id_codes or message in cls.duplicate_custom_id_codes

    @classmethod
    def fails_over(cls, code: int | str | None, message: str = "") -> bool:
        """True when a buy refused with this code or message may be bought at another provider."""
        return code in cls.failover_codes or str(code) in cls.failover_codes or message in cls.failover_codes

    @classmethod
    def verify_callback(cls, body: bytes, headers: Mapping[str, str], *, settings: Any) -> None:
        """Return quietly when `body` was signed by the provider; else raise AuthError saying why."""
        from .base import NotSupported

        raise NotSupported("callbacks are not offered", provider=cls.code)

    @classmethod
    def parse_callback(cls, body: str) -> Callback:
        """A verified callback body read leniently; InvalidResponse when it is not a callback at all."""
        from .base import NotSupported

        raise NotSupported("callbacks are not offered", provider=cls.code)
