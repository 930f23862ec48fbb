"""The second factor of staff logins: TOTP (an authenticator app) with backup codes, through django-otp.

Who is asked: everyone who has enrolled, and, when `OTP_REQUIRED` is on (the default whenever DEBUG is
off), everyone who can spend or approve: superusers and holders of `purchases.buy_skins` or
`purchases.approve_purchases` (Operators, Approvers). Support may enrol; once enrolled they are asked too.

How: the password login stays the admin's (throttled, backoffice/auth.py). Afterwards
`SecondFactorMiddleware` lets a session that still owes a code reach only the second-factor pages and
the logout: the code page when the user has a device, the enrolment page when they have none (an
authenticator app's QR code, a first code to confirm it, then 10 single-use backup codes shown once).
A code verifies the session (django_otp.login); `reset_second_factor <username>` removes a lost device.
Codes are ASCII digits; django-otp throttles wrong ones per device (1 s, 2 s, 4 s, ... between tries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

SPENDING_PERMISSIONS = ("purchases.buy_skins", "purchases.approve_purchases")
BACKUP_CODES = 10
APP_DEVICE = "Authenticator app"
BACKUP_DEVICE = "Backup codes"
ENROLLED_KEY = "bo_second_factor_enrolled"
TOTP_RE = re.compile(r"^[0-9]{6}$")
BACKUP_RE = re.compile(r"^[a-z2-7]{8}$")
#: the pages a session that owes a code may still open
OPEN_PAGES = {
    "admin:second_factor",
    "admin:second_factor_enrol",
    "admin:logout",
    "admin:login",
    "admin:jsi18n",
    "healthz",
}


def required_for(user, session=None) -> bool:
    """Whether this user must give a code after the password (see the module's docstring). With a
    session, whether they have a device is read from it (noted at login and at enrolment: no query on
    each request); the permissions are the user's cached ones, which the admin reads on every page anyway."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(settings, "OTP_REQUIRED", False) and (
        user.is_superuser or any(user.has_perm(name) for name in SPENDING_PERMISSIONS)
    ):
        return True
    if session is not None:
        return bool(session.get(ENROLLED_KEY))
    return user_has_device(user, confirmed=True)


def note_login(sender, request, user, **kwargs) -> None:
    """On `user_logged_in`: whether the user has a device, kept in the session (see required_for)."""
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_KEY] = user_has_device(user, confirmed=True)


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The user's unconfirmed authenticator device (one, made on first use): the QR code being shown."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]


def confirm_enrolment(request: HttpRequest, code: str) -> Enrolment | None:
    """Confirm the pending device with a first code; on success the session is verified and new backup
    codes are made (returned once, never shown again)."""
    user = request.user
    if not TOTP_RE.match(code):
        return None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None or not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = replace_backup_codes(user)
    otp_login(request, device)
    request.session[ENROLLED_KEY] = True
    return Enrolment(device=device, backup_codes=codes)


def replace_backup_codes(user) -> list[str]:
    """Make BACKUP_CODES new single-use codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify(request: HttpRequest, code: str) -> bool:
    """A code from the app or a backup code; on success the session is verified."""
    code = code.strip().replace(" ", "").lower()
    if TOTP_RE.match(code):
        kinds = (TOTPDevice,)
    elif BACKUP_RE.match(code):
        kinds = (StaticDevice,)
    else:
        return False
    with transaction.atomic():
        for device in devices_for_user(request.user, confirmed=True, for_verify=True):
            if isinstance(device, kinds) and device.verify_token(code):
                otp_login(request, device)
                return True
    return False


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset(user) -> int:
    """Remove every second-factor device of the user (a lost phone) and end their sessions; returns how
    many devices were removed."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            session.delete()
    return removed


def safe_next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("admin:index")


class SecondFactorMiddleware:
    """A logged-in session that owes a code reaches only the second-factor pages and the logout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        owes_code = user is not None and user.is_authenticated and not user.is_verified()
        if owes_code and not _open(request) and required_for(user, request.session):
            page = "admin:second_factor" if enrolled(user) else "admin:second_factor_enrol"
            return HttpResponseRedirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _open(request: HttpRequest) -> bool:
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in OPEN_PAGES
