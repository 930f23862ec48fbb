"""Issue 19, point 7, in a browser: an Operator's first login sets up the authenticator app (QR code and
key, a first code, backup codes shown once); the next login asks for the code after the password."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.oath import TOTP

from purchases.roles import setup_roles

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Second-factor-pw-2024"


def code(key: bytes, steps_ahead: int = 0) -> str:
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def password(page, live_server, next_path: str = "/admin/purchases/purchase/") -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", "olga.otp")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_enrolment_then_a_login_that_asks_for_the_code(page, live_server, settings, clean_cache):
    settings.OTP_REQUIRED = True
    setup_roles()
    user = get_user_model().objects.create_user("olga.otp", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Operators"))

    page.goto(f"{live_server.url}/admin/login/")
    assert "authenticator app" in page.inner_text("#bo-login-note")
    screenshot(page, "second_factor_login_page")

    password(page, live_server)
    page.wait_for_url("**/admin/second-factor/enrol/**")
    assert page.locator("#bo-factor-qr svg").is_visible()
    screenshot(page, "second_factor_enrol")
    key = b32decode(page.inner_text("#bo-factor-key").replace(" ", ""))
    page.fill("#id_code", code(key))
    page.click("#bo-factor-form input[type=submit]")
    page.wait_for_selector("#bo-codes")
    assert page.locator("#bo-codes li").count() == 10
    screenshot(page, "second_factor_backup_codes")
    page.click("#bo-factor-continue")
    page.wait_for_url("**/admin/purchases/purchase/")
    assert page.locator("#user-tools").is_visible()

    page.click("#logout-form button")
    page.wait_for_url("**/admin/logout/")
    password(page, live_server)
    page.wait_for_url("**/admin/second-factor/?next=**")
    assert "authenticator app" in page.inner_text("#bo-second-factor")
    page.fill("#id_code", "123 456")
    page.click("#bo-factor-form input[type=submit]")
    page.wait_for_selector(".errorlist")
    assert "not right" in page.inner_text(".errorlist")
    screenshot(page, "second_factor_code_asked")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    page.fill("#id_code", code(key, steps_ahead=1))
    page.click("#bo-factor-form input[type=submit]")
    page.wait_for_url("**/admin/purchases/purchase/")
    assert page.locator("#result_list, #changelist").first.is_visible()
    screenshot(page, "second_factor_verified")
