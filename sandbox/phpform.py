"""PHP-compatible request parsing: `a[0][b]=1` form keys, and PHP's string form of JSON scalars."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT_RE = re.compile(r"\[([^\[\]]*)\]")


def parse_query(text: str) -> dict[str, Any]:
    """Parse `a=1&b[]=2&c[0][d]=3` the way PHP fills $_POST / $_GET."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        _assign(root, key, value)
    return _listify(root)


def _assign(root: dict[str, Any], key: str, value: str) -> None:
    match = _KEY_RE.match(key)
    if not match:
        root[key] = value
        return
    segments = [match.group(1), *_SEGMENT_RE.findall(match.group(2))]
    node = root
    for index, segment in enumerate(segments):
        name = _next_index(node) if segment == "" else segment
        if index == len(segments) - 1:
            node[name] = value
            return
        child = node.get(name)
        if not isinstance(child, dict):
            child = node[name] = {}
        node = child


def _next_index(node: dict[str, Any]) -> str:
    numeric = [int(k) for k in node if k.lstrip("-").isdigit()]
    return str(max(numeric) + 1 if numeric else 0)


def _listify(node: Any) -> Any:
    """Arrays whose keys are all integers become lists (insertion order, like PHP)."""
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.lstrip("-").isdigit() for k in converted):
        return list(converted.values())
    return converted


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """JSON or form body -> dict; anything unparseable gives an empty dict (as PHP would see it)."""
    text = raw.decode("utf-8", errors="replace")
    is_json = "json" in content_type or (not content_type and text.lstrip().startswith("{"))
    if is_json:
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return parse_query(text)


def php_str(value: Any) -> str:
    """The string PHP makes of a decoded JSON scalar: true -> "1", false/null -> "", 8.0 -> "8"."""
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def text(value: Any) -> str:
    """A scalar parameter as a stripped string ("" for arrays/objects and absent values)."""
    return "" if isinstance(value, (dict, list)) else php_str(value).strip()


def truthy(value: Any) -> bool:
    return text(value).lower() in ("1", "true", "yes", "on")


def as_list(value: Any) -> list[Any]:
    """An array parameter sent as a list, a PHP-indexed dict or a comma-separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [part.strip() for part in str(value).split(",") if part.strip()]
