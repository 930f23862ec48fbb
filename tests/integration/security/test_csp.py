"""Issue 19, point 5: a Content-Security-Policy that allows no inline script and no foreign origin but
Steam's image CDN; our templates carry no inline script, event handler or style block."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from purchases.providers.base import STEAM_IMAGE_URL

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def test_every_page_gets_the_policy(client, operator_client):
    for response in (client.get("/admin/login/"), operator_client.get("/admin/purchases/purchase/")):
        rules = policy(response)
        assert rules["default-src"] == ["'self'"]
        assert rules["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
        assert rules["style-src"] == ["'self'"]
        assert rules["object-src"] == ["'none'"] and rules["frame-ancestors"] == ["'none'"]


def test_the_only_foreign_origin_is_steams_image_cdn():
    from django.test import Client

    rules = policy(Client().get("/admin/login/"))
    steam = "{0.scheme}://{0.netloc}".format(urlsplit(STEAM_IMAGE_URL))
    assert rules["img-src"] == ["'self'", steam]
    foreign = {value for values in rules.values() for value in values if not value.startswith("'")}
    assert foreign == {steam}


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<[^>]+\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"<style[\s>]", re.I), "a <style> block"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_carries_inline_script_or_style():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        found += [
            f"{path.relative_to(TEMPLATES)}: {what}" for pattern, what in INLINE if pattern.search(text)
        ]
    assert found == []
