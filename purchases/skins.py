"""One skin, whatever a provider or a person calls it: the key that matches catalog items of different
providers, and the repeat guard's "same skin".

Two names are the same skin when they agree after: Unicode compatibility forms (NFKC), the ★ and ™ marks
dropped (`★ Karambit | Doppler` is `Karambit | Doppler`; `StatTrak™` is `StatTrak`), case and spacing
ignored, and the wear in parentheses spelled one way (`(field tested)`, `( Field-Tested )` and
`(Field-Tested)` agree). The wear itself stays part of the skin: a Factory New and a Battle-Scarred
AK-47 | Redline are two skins at two prices. The game is part of the key too, under our own ids (Skinify's
`csgo` is our `cs2`).
"""

from __future__ import annotations

import re
import unicodedata

MARKS = str.maketrans({"★": " ", "™": " ", "®": " "})
WEARS = ("factory new", "minimal wear", "field-tested", "well-worn", "battle-scarred")
_WEAR_BY_LETTERS = {re.sub(r"[^a-z]", "", wear): wear for wear in WEARS}
_TAIL = re.compile(r"\(([^()]*)\)\s*$")
GAME_IDS = {"csgo": "cs2", "730": "cs2", "570": "dota2", "252490": "rust", "440": "tf2"}


def skin_name_key(name: str) -> str:
    """The name part of the key: `AK-47 | Redline (Field-Tested)` -> `ak-47 | redline (field-tested)`."""
    text = unicodedata.normalize("NFKC", (name or "").translate(MARKS))  # marks first: NFKC spells ™ "TM"
    text = " ".join(text.split()).casefold()
    tail = _TAIL.search(text)
    if tail:
        wear = _WEAR_BY_LETTERS.get(re.sub(r"[^a-z]", "", tail.group(1)))
        inner = wear or " ".join(tail.group(1).split())
        text = f"{text[: tail.start()].rstrip()} ({inner})"
    return text


def game_key(game: str) -> str:
    text = (game or "").strip().lower()
    return GAME_IDS.get(text, text)


def skin_key(name: str, game: str) -> str:
    """`cs2:ak-47 | redline (field-tested)`: equal for the same skin at any provider."""
    return f"{game_key(game)}:{skin_name_key(name)}"
