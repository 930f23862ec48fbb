"""The second-factor pages of the admin site (backoffice/second_factor.py holds the rules).

- `admin/second-factor/` (`admin:second_factor`): asks for the code when the session owes one; once
  verified, says what the user has and makes new backup codes on request.
- `admin/second-factor/enrol/` (`admin:second_factor_enrol`): the authenticator app's QR code and key,
  confirmed by a first code; then the backup codes, shown once.

Both are admin views (staff login required) and never cached. Thin: forms and templates here, the
device work in backoffice/second_factor.py.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from backoffice import second_factor as factor

VERIFY_TEMPLATE = "admin/second_factor/verify.html"
ENROL_TEMPLATE = "admin/second_factor/enrol.html"
CODES_TEMPLATE = "admin/second_factor/backup_codes.html"
STATUS_TEMPLATE = "admin/second_factor/status.html"
WRONG = "That code is not right, or it was used already. Wrong codes make the next try wait a little longer."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 12}
        ),
    )


class SecondFactorPagesMixin:
    """For the AdminSite: the second-factor pages (see the module's docstring)."""

    def get_urls(self):
        return [
            path("second-factor/", self.admin_view(self.second_factor_view), name="second_factor"),
            path(
                "second-factor/enrol/",
                self.admin_view(self.second_factor_enrol_view),
                name="second_factor_enrol",
            ),
            *super().get_urls(),
        ]

    def _factor_context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {**self.each_context(request), "title": title, "next": factor.safe_next(request), **extra}

    def second_factor_view(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not factor.enrolled(user):
            query = urlencode({"next": factor.safe_next(request)})
            return HttpResponseRedirect(f"{reverse('admin:second_factor_enrol')}?{query}")
        if user.is_verified():
            return self._status(request)
        form = CodeForm(request.POST or None)
        if form.is_valid():
            if factor.verify(request, form.cleaned_data["code"]):
                return HttpResponseRedirect(factor.safe_next(request))
            form.add_error("code", WRONG)
        context = self._factor_context(request, "Your code, please", form=form)
        return TemplateResponse(request, VERIFY_TEMPLATE, context)

    def _status(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.method == "POST" and request.POST.get("action") == "new_backup_codes":
            codes = factor.replace_backup_codes(user)
            context = self._factor_context(request, "New backup codes", codes=codes)
            return TemplateResponse(request, CODES_TEMPLATE, context)
        context = self._factor_context(
            request,
            "Second factor",
            devices=factor.TOTPDevice.objects.filter(user=user, confirmed=True),
            codes_left=factor.backup_codes_left(user),
            required=factor.required_for(user),
        )
        return TemplateResponse(request, STATUS_TEMPLATE, context)

    def second_factor_enrol_view(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if factor.enrolled(user):
            messages.info(request, "You have an authenticator app already.")
            return HttpResponseRedirect(reverse("admin:second_factor"))
        form = CodeForm(request.POST or None)
        if form.is_valid():
            done = factor.confirm_enrolment(request, form.cleaned_data["code"].strip())
            if done is not None:
                context = self._factor_context(
                    request, "Your backup codes", codes=done.backup_codes, enrolled=True
                )
                return TemplateResponse(request, CODES_TEMPLATE, context)
            form.add_error("code", WRONG)
        device = factor.pending_device(user)
        key = b32encode(device.bin_key).decode()
        context = self._factor_context(
            request,
            "Set up your second factor",
            form=form,
            qr_svg=segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff"),
            key_groups=[key[i : i + 4] for i in range(0, len(key), 4)],
            required=factor.required_for(user),
        )
        return TemplateResponse(request, ENROL_TEMPLATE, context)
