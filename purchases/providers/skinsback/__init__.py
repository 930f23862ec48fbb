"""SkinsBack: its client, the parsing of its answers, its words (status map, codes) and its callbacks."""

from .client import SkinsBackProvider

__all__ = ["SkinsBackProvider"]
