"""Secrets only come from the environment: the settings module holds no literal secret except the
sandbox's public development defaults, and every secret setting takes the environment's value."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from sandbox import config as sandbox_config

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = ROOT / "backoffice" / "settings.py"
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE")
NOT_SECRETS = {"AUTH_PASSWORD_VALIDATORS"}  # names of validator classes
#: the only literal values a secret setting may have: development defaults, public by design
DEV_DEFAULTS = {
    "",
    sandbox_config.SANDBOX_CLIENT_SECRET,
    sandbox_config.SANDBOX_SKINIFY_TOKEN,
    "dev-only-insecure-key-do-not-use-in-production",
}
SECRET_SETTINGS = {
    "SECRET_KEY": "prod-secret-key-5b1e0c9a7d3f2e8a6c4b0d1f3e5a7c9b",
    "SKINSBACK_CLIENT_SECRET": "prod-client-secret-7a1c",
    "SKINSBACK_WEBHOOK_SECRET": "prod-webhook-secret-4d2e",
    "SKINIFY_TOKEN": "prod-skinify-token-9f3b",
}


def _assignments() -> dict[str, ast.expr]:
    tree = ast.parse(SETTINGS.read_text())
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
    return found


def _env_names(value: ast.expr) -> set[str]:
    """The variable names read by env.<type>("NAME", ...) calls inside an expression."""
    return {
        node.args[0].value
        for node in ast.walk(value)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_secret_settings_hold_no_literal_but_the_sandbox_defaults():
    assignments = _assignments()
    checked = [name for name in assignments if SECRET_NAME.search(name) and name not in NOT_SECRETS]
    assert set(SECRET_SETTINGS) <= set(checked)
    for name in checked:
        value = assignments[name]
        literals = {
            n.value for n in ast.walk(value) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
        assert literals - _env_names(value) <= DEV_DEFAULTS, name


def test_no_credentials_in_any_literal_of_the_settings_module():
    source = SETTINGS.read_text()
    literals = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)]
    urls_with_password = [
        v for v in literals if isinstance(v, str) and re.search(r"://[^/@\s]+:[^/@\s]+@", v)
    ]
    assert urls_with_password == []


def test_every_secret_setting_takes_the_environments_value():
    env = {**os.environ, **SECRET_SETTINGS, "DEBUG": "False", "ALLOWED_HOSTS": "backoffice.example.com"}
    env.update(TESTING="false", DJANGO_SETTINGS_MODULE="backoffice.settings")
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{k: getattr(settings, k) for k in {sorted(SECRET_SETTINGS)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == SECRET_SETTINGS
