"""Issue 19, point 7: staff who can buy or approve (and superusers) give a TOTP code after the password
whenever OTP_REQUIRED is on; they enrol from the admin and get backup codes; Support may enrol; a
superuser's command resets a lost device; the development demo stays password-only and says so."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from purchases.models import Purchase
from tests.factories import make_item, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PAGE = "/admin/purchases/purchase/"
FACTOR = "/admin/second-factor/"
ENROL = "/admin/second-factor/enrol/"


@pytest.fixture(autouse=True)
def _otp_required(settings, clean_cache):
    settings.OTP_REQUIRED = True


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():06d}"


def password_login(user) -> Client:
    client = Client()
    response = client.post(
        LOGIN, {"username": user.username, "password": "pw-" + user.username, "next": PAGE}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def enrol(client, user) -> list[str]:
    page = client.get(ENROL)
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = b32decode("".join(page.context["key_groups"]))
    assert key == device.bin_key  # the key typed by hand is the QR code's
    done = client.post(ENROL, {"code": code_for(device), "next": PAGE})
    assert done.status_code == 200 and "codes" in done.context
    return done.context["codes"]


def test_an_operator_must_enrol_before_any_page_and_then_gives_a_code_at_each_login(operator):
    client = password_login(operator)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    assert client.get("/admin/").status_code == 302
    codes = enrol(client, operator)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(PAGE).status_code == 200  # verified by the first code

    again = password_login(operator)
    response = again.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(FACTOR)
    wrong = again.post(FACTOR, {"code": "000000", "next": PAGE})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    assert again.get(PAGE).status_code == 302
    device = TOTPDevice.objects.get(user=operator, confirmed=True)
    device.throttle_reset()
    good = again.post(FACTOR, {"code": code_for(device, offset=1), "next": PAGE})
    assert good.status_code == 302 and good["Location"] == PAGE
    assert again.get(PAGE).status_code == 200


def test_a_backup_code_works_once(operator):
    codes = enrol(password_login(operator), operator)
    first = password_login(operator)
    assert first.post(FACTOR, {"code": codes[0].upper(), "next": PAGE}).status_code == 302
    assert first.get(PAGE).status_code == 200
    second = password_login(operator)
    assert second.post(FACTOR, {"code": codes[0], "next": PAGE}).status_code == 200  # used: refused
    assert second.get(PAGE).status_code == 302
    assert StaticToken.objects.filter(device__user=operator).count() == 9


def test_codes_in_other_scripts_digits_are_refused(operator):
    enrol(password_login(operator), operator)
    device = TOTPDevice.objects.get(user=operator, confirmed=True)
    fullwidth = "".join(chr(ord(c) - ord("0") + 0xFF10) for c in code_for(device, offset=1))
    client = password_login(operator)
    assert client.post(FACTOR, {"code": fullwidth, "next": PAGE}).status_code == 200
    assert client.get(PAGE).status_code == 302


def test_an_unverified_operator_cannot_buy_with_a_crafted_post(operator, fake_provider):
    client = password_login(operator)
    response = client.post("/admin/purchases/purchase/buy/confirm/", {"lines": f"i{make_item().pk}"})
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    assert Purchase.objects.count() == 0 and fake_provider.calls == []


def test_superusers_need_it_too(superuser):
    client = password_login(superuser)
    assert client.get("/admin/").status_code == 302


def test_support_may_go_on_with_a_password_and_may_enrol(support):
    client = password_login(support)
    assert client.get(PAGE).status_code == 200
    assert b"optional for your role" in client.get(ENROL).content
    enrol(client, support)
    later = password_login(support)
    assert later.get(PAGE)["Location"].startswith(FACTOR)  # enrolled: asked from now on


def test_with_otp_off_the_demo_is_password_only_and_says_so(settings, operator):
    settings.OTP_REQUIRED = False
    page = Client().get(LOGIN).content.decode()
    assert "Development demo: password only" in page
    assert password_login(operator).get(PAGE).status_code == 200
    settings.OTP_REQUIRED = True
    assert "a code from their authenticator app" in Client().get(LOGIN).content.decode()


def test_reset_second_factor_is_for_superusers_and_makes_the_next_login_enrol(
    operator, superuser, support, capsys
):
    enrol(password_login(operator), operator)
    with pytest.raises(CommandError, match="not an active superuser"):
        call_command("reset_second_factor", operator.username, "--by", support.username)
    assert TOTPDevice.objects.filter(user=operator).exists()
    call_command("reset_second_factor", operator.username, "--by", superuser.username)
    assert "2 second-factor device(s) removed" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=operator).exists()
    assert password_login(operator).get(PAGE)["Location"].startswith(ENROL)


def test_the_steam_user_page_is_gated_like_every_other(operator):
    user = make_user()
    client = password_login(operator)
    assert client.get(f"/admin/purchases/steamuser/{user.pk}/change/").status_code == 302
    assert client.get(f"/admin/inventory/{user.steam_id}/").status_code == 302


def test_production_values_turn_the_second_factor_and_the_idle_limit_on():
    from tests.integration.test_foundation import PRODUCTION, _manage

    script = "from django.conf import settings as s; print(s.OTP_REQUIRED, s.SESSION_COOKIE_AGE, s.DEBUG)"
    result = _manage("shell", "--no-imports", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "43200", "False"]
    development = _manage("shell", "--no-imports", "-c", script, DEBUG="True")
    assert development.stdout.split()[0] == "False"


def test_django_otps_device_admin_is_for_superusers_and_never_shows_a_key(settings, operator, superuser):
    settings.OTP_REQUIRED = False
    enrol(password_login(operator), operator)
    device = TOTPDevice.objects.get(user=operator)
    for url in ("/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"):
        assert Client().get(url).status_code == 302  # anonymous: the login
    verified_operator = password_login(operator)
    verified_operator.post(FACTOR, {"code": code_for(device, offset=1), "next": PAGE})
    assert verified_operator.get("/admin/otp_totp/totpdevice/").status_code == 403
    admin = password_login(superuser)
    page = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
    codes = StaticToken.objects.filter(device__user=operator).values_list("token", flat=True)
    static = admin.get(f"/admin/otp_static/staticdevice/{StaticToken.objects.first().device_id}/change/")
    assert not any(code in static.content.decode() for code in codes)
