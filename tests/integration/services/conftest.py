"""The `api` fixture of the evidence tests, found by pytest here instead of imported into each module."""

from .evidence import api  # noqa: F401
