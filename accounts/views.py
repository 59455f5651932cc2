"""Pages of the accounts app. Views bind a form, call a service and redirect."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import (
    ApplicationForm,
    ApplicationUnitFormSet,
    CloseAccountForm,
    ConsentsForm,
    PasswordResetRequestForm,
    PortalPasswordChangeForm,
    PortalSetPasswordForm,
    TermsAcceptForm,
)
from accounts.http import AuthenticatedRequest
from accounts.lockout import lockout_until
from accounts.models import TermsVersion
from accounts.pdf import application_pdf, personal_data_pdf
from accounts.selectors import units_for_user
from accounts.services.applications import (
    ApplicationLinkInvalid,
    application_from_pdf_token,
    application_pdf_filename,
    pdf_token,
)
from accounts.services.users import CONSENT_FIELDS, NOTIFY_FIELDS
from portal.forms import form_add_service_errors


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# --- the application --------------------------------------------------------------------------


def _unit_rows_from_post(data: QueryDict) -> list[dict[str, str]]:
    prefix = "units"
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 1)), 10)
    except ValueError:
        total = 1
    fields = ("street", "building_no", "unit_no", "external_id")
    return [{name: data.get(f"{prefix}-{i}-{name}", "") for name in fields} for i in range(total)]


@require_http_methods(["GET", "POST"])
def application_form(request: HttpRequest) -> HttpResponse:
    """The public application for access (A1)."""
    terms = TermsVersion.current()
    if request.method == "POST" and "add_unit" in request.POST:
        # Another unit row without validating yet: what was typed comes back as initial data.
        rows = _unit_rows_from_post(request.POST)
        if len(rows) < 10:
            rows.append({})
        form = ApplicationForm(initial=request.POST.dict(), terms=terms)
        formset = ApplicationUnitFormSet(prefix="units", initial=rows)
        formset.extra = 0
        formset.min_num = 0
        return render(request, "accounts/application_form.html", {"form": form, "formset": formset, "terms": terms})
    if request.method == "POST":
        form = ApplicationForm(request.POST, terms=terms)
        formset = ApplicationUnitFormSet(request.POST, prefix="units")
        if form.is_valid() and formset.is_valid():
            shown = form.cleaned_data.get("terms_version")
            shown_terms = TermsVersion.objects.filter(pk=shown).first() if shown else None
            try:
                application = services.application_submit(
                    data=form.cleaned_data, units=formset.units(), terms=shown_terms, request=request
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                return redirect("application_sent", token=pdf_token(application))
    else:
        # Prefilled from a link, e.g. Profil Zaufany's "no unit found" page passes the verified name.
        prefill = {name: request.GET[name][:100] for name in ("first_name", "last_name") if name in request.GET}
        form = ApplicationForm(terms=terms, initial=prefill)
        formset = ApplicationUnitFormSet(prefix="units")
    return render(request, "accounts/application_form.html", {"form": form, "formset": formset, "terms": terms})


def application_sent(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application = application_from_pdf_token(token)
    except ApplicationLinkInvalid:
        return render(request, "accounts/link_invalid.html", {"kind": "pdf"})
    return render(
        request,
        "accounts/application_sent.html",
        {"application": application, "token": token, "days": settings.APPLICATION_CONFIRM_DAYS},
    )


def application_pdf_download(request: HttpRequest, token: str) -> HttpResponse:
    """The printable application (A2); the signed link is the applicant's only key to it."""
    try:
        application = application_from_pdf_token(token)
    except ApplicationLinkInvalid:
        return render(request, "accounts/link_invalid.html", {"kind": "pdf"})
    response = HttpResponse(application_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{application_pdf_filename(application)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def application_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application = services.application_confirm_email(token=token, request=request)
    except ApplicationLinkInvalid:
        return render(request, "accounts/link_invalid.html", {"kind": "confirm"})
    return render(request, "accounts/application_confirmed.html", {"application": application})


# --- logging in and the lockout ----------------------------------------------------------------


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """What axes answers instead of the login page while the account is locked (A7)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return render(
        request,
        "accounts/locked.html",
        {
            "until": lockout_until(username),
            "limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


# --- passwords --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    """The forced first change (A5) and any later change; other sessions end (session hash)."""
    forced = request.user.must_change_password
    form = PortalPasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        services.user_password_changed(user=user, request=request)
        messages.success(request, _("Hasło zostało zmienione. Inne otwarte sesje Twojego konta zostały zakończone."))
        return redirect(_safe_next(request, reverse("home")))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": forced, "next": _safe_next(request, "")},
    )


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(email=form.cleaned_data["email"], request=request)
        return redirect("password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html", {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's single-use link (the token depends on the password), valid PASSWORD_RESET_TIMEOUT."""

    form_class = PortalSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: PortalSetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_reset(user=form.user, request=self.request)
        return response


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_complete.html")


# --- the account ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """The user's account: login, contact, units, consents (A11, A14)."""
    user = request.user
    fields = (*CONSENT_FIELDS, *NOTIFY_FIELDS)
    form = ConsentsForm(
        request.POST if request.method == "POST" else None, initial={name: getattr(user, name) for name in fields}
    )
    if request.method == "POST" and form.is_valid():
        changed = services.user_consents_update(user=user, values=form.cleaned_data, request=request)
        if changed:
            messages.success(request, _("Zapisano zmiany zgód i powiadomień."))
        else:
            messages.info(request, _("Nic się nie zmieniło."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form, "units": units_for_user(user)})


@login_required
@require_http_methods(["GET"])
def personal_data_download(request: AuthenticatedRequest, file_format: str) -> HttpResponse:
    """Everything the portal holds about the user (A15): JSON (RODO art. 20) or PDF (art. 15)."""
    data = services.personal_data_export(user=request.user, file_format=file_format, request=request)
    if file_format == "pdf":
        content, content_type = personal_data_pdf(data), "application/pdf"
    else:
        content, content_type = data.as_json(), "application/json; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    filename = f"dane-osobowe-{data.username}-{data.exported_at:%Y-%m-%d}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_close(request: AuthenticatedRequest) -> HttpResponse:
    form = CloseAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        services.user_close(user=user, request=request)
        logout(request)
        messages.success(request, _("Konto zostało zamknięte, a Twoje dane kontaktowe usunięte. Dziękujemy."))
        return redirect("home")
    return render(request, "accounts/account_close.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def terms_accept(request: AuthenticatedRequest) -> HttpResponse:
    """A new version of the regulations must be accepted before anything else (A12)."""
    terms = TermsVersion.current()
    if terms is None:
        return redirect("home")
    form = TermsAcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.terms_accept(user=request.user, terms=terms, request=request)
        messages.success(request, _("Dziękujemy, zaakceptowano regulamin w wersji %(v)s.") % {"v": terms.version})
        return redirect(_safe_next(request, reverse("home")))
    return render(
        request, "accounts/terms_accept.html", {"form": form, "terms": terms, "next": _safe_next(request, "")}
    )
