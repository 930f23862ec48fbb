"""Skinify: its client, the parsing of its answers and its words (status map, refusal codes)."""

from .client import SkinifyProvider

__all__ = ["SkinifyProvider"]
