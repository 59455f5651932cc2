"""Staff side of accounts (A3, A7, A8, A10, A12): applications, users, terms, lockouts.

Every staff action goes through a service, which writes the audit entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, QuerySet, Sum
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_stubs_ext import StrOrPromise

from accounts import services
from accounts.forms import ReasonForm
from accounts.lockout import cool_off, lockout_until
from accounts.matching import application_matches
from accounts.models import Application, ApplicationUnit, TermsAcceptance, TermsVersion, UnitGrant, User
from accounts.pdf import application_pdf
from accounts.services.applications import application_pdf_filename
from portal.admin import OneChoiceFilter, ReadOnlyAdminMixin
from portal.admin_site import staff_member
from portal.formats import format_date
from portal.third_party import OTP_FIELD_LABELS
from portal.workdays import working_days_between

# --- users ----------------------------------------------------------------------------------


class UnitGrantInline(admin.TabularInline[UnitGrant, User]):
    model = UnitGrant
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["unit", "since", "until", "source"]


class LoginLockedFilter(OneChoiceFilter):
    title = _("logowanie")
    parameter_name = "zablokowane_logowanie"
    choice = ("tak", _("zablokowane po nieudanych próbach"))

    def narrow(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        locked = (
            AccessAttempt.objects.values("username")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT, last__gt=timezone.now() - cool_off())
            .values("username")
        )
        return queryset.filter(username__in=locked)


class PortalUserChangeForm(UserChangeForm[User]):
    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip()
        if email:
            taken = User.objects.filter(email__iexact=email, closed_at__isnull=True).exclude(pk=self.instance.pk)
            if taken.exists():
                raise ValidationError(_("Ten adres e-mail ma już inne aktywne konto."), code="email_taken")
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    form = PortalUserChangeForm
    change_form_template = "admin/accounts/user/change_form.html"
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active", "blocked_at", "closed_at"]
    list_filter = ["is_staff", "is_active", LoginLockedFilter, "must_change_password", "blocked_at", "closed_at"]
    search_fields = ["username", "email", "first_name", "last_name", "person__external_id"]
    inlines = [UnitGrantInline]
    actions = ["unlock_logins"]
    readonly_fields = [
        "login_state",
        "must_change_password",
        "blocked_at",
        "blocked_reason",
        "closed_at",
        "consents_changed_at",
        "last_login",
        "date_joined",
    ]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("e-BOK"),
            {
                "fields": [
                    "login_state",
                    "phone",
                    "person",
                    "must_change_password",
                    "blocked_at",
                    "blocked_reason",
                    "closed_at",
                    *User.CHOICE_FIELDS,
                ]
            },
        ),
    )
    autocomplete_fields = ["person"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        """A clerk sees what a clerk works with (issue 14 item 17): the permission switches
        only for those who may hand them out — groups (roles) for whoever manages groups,
        superuser and single permissions for superusers only."""
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        if request.user.has_perm("auth.change_group"):
            shown = ["is_active", "is_staff", "groups"]
        else:
            shown = ["is_active"]
        permission_fields = {"is_active", "is_staff", "is_superuser", "groups", "user_permissions"}
        result = []
        for name, options in fieldsets:
            fields = list(options.get("fields", ()))
            if permission_fields & set(fields):
                fields = [field for field in fields if field not in permission_fields or field in shown]
            result.append((name, {**options, "fields": fields}))
        return result

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may change accounts must not take over a better-placed one (e.g. change a
        # superuser's e-mail and reset its password): staff accounts are for those who manage
        # roles, superusers' for superusers.
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        if obj.is_superuser:
            return False
        return not obj.is_staff or request.user.has_perm("auth.change_group")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Granting a permission one does not hold would be a way around the roles.
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    @admin.display(description=_("stan logowania"))
    def login_state(self, obj: User) -> str:
        if obj.closed_at:
            return gettext("konto zamknięte %(date)s") % {"date": format_date(obj.closed_at, with_time=True)}
        if obj.blocked_at:
            return gettext("konto zablokowane przez obsługę: %(reason)s") % {"reason": obj.blocked_reason}
        until = lockout_until(obj.username)
        if until:
            return gettext("zablokowane po nieudanych próbach do %(until)s") % {
                "until": format_date(until, with_time=True)
            }
        if obj.must_change_password:
            return gettext("czeka na zmianę pierwszego hasła")
        return gettext("aktywne")

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<id:pk>/odblokuj-logowanie/",
                self.admin_site.admin_view(self.unlock_view),
                name="accounts_user_unlock",
            ),
            path("<id:pk>/zablokuj/", self.admin_site.admin_view(self.block_view), name="accounts_user_block"),
            path("<id:pk>/odblokuj/", self.admin_site.admin_view(self.unblock_view), name="accounts_user_unblock"),
            path(
                "<id:pk>/nowe-haslo/",
                self.admin_site.admin_view(self.new_password_view),
                name="accounts_user_new_password",
            ),
        ]
        return own + super().get_urls()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = extra_context or {}
        user = self.get_object(request, object_id)
        if user is not None:
            extra_context["login_locked_until"] = lockout_until(user.username)
        return super().change_view(request, object_id, form_url, extra_context)

    def _target(self, request: HttpRequest, pk: int) -> User:
        user = get_object_or_404(User, pk=pk)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        return user

    def _back(self, user: User) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))

    def _action_page(
        self,
        request: HttpRequest,
        user: User,
        *,
        title: str,
        intro: str,
        button: str,
        form: forms.Form | None = None,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": user,
            "title": title,
            "intro": intro,
            "button": button,
            "form": form,
        }
        return TemplateResponse(request, "admin/accounts/action_form.html", context)

    def unlock_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = self._target(request, pk)
        if request.method == "POST":
            services.lockout_reset(username=user.username, by=staff_member(request), request=request)
            self.message_user(request, gettext("Logowanie na konto %(u)s odblokowane.") % {"u": user.username})
            return self._back(user)
        return self._action_page(
            request,
            user,
            title=gettext("Odblokuj logowanie"),
            intro=gettext("Konto zostało zablokowane po nieudanych próbach logowania. Odblokować je teraz?"),
            button=gettext("Odblokuj logowanie"),
        )

    def block_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = self._target(request, pk)
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.user_block(
                    user=user, by=staff_member(request), reason=form.cleaned_data["reason"], request=request
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, gettext("Konto %(u)s zablokowane.") % {"u": user.username})
                return self._back(user)
        return self._action_page(
            request,
            user,
            title=gettext("Zablokuj konto"),
            intro=gettext("Zablokowany użytkownik nie zaloguje się, a jego otwarte sesje zakończą się od razu."),
            button=gettext("Zablokuj konto"),
            form=form,
        )

    def unblock_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = self._target(request, pk)
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            services.user_unblock(
                user=user, by=staff_member(request), reason=form.cleaned_data["reason"], request=request
            )
            self.message_user(request, gettext("Konto %(u)s odblokowane.") % {"u": user.username})
            return self._back(user)
        return self._action_page(
            request,
            user,
            title=gettext("Odblokuj konto"),
            intro=gettext("Powód blokady: %(reason)s") % {"reason": user.blocked_reason},
            button=gettext("Odblokuj konto"),
            form=form,
        )

    def new_password_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = self._target(request, pk)
        if request.method == "POST":
            try:
                services.user_new_first_password(user=user, by=staff_member(request), request=request)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Nowe pierwsze hasło wysłano na adres %(email)s.") % {"email": user.email},
                )
            return self._back(user)
        return self._action_page(
            request,
            user,
            title=gettext("Wygeneruj nowe pierwsze hasło"),
            intro=gettext(
                "Użytkownik dostanie e-mailem nowe hasło, które musi zmienić przy logowaniu; "
                "dotychczasowe hasło i otwarte sesje przestaną działać."
            ),
            button=gettext("Wygeneruj i wyślij hasło"),
        )

    @admin.action(description=_("Odblokuj logowanie zaznaczonych kont"))
    def unlock_logins(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = sum(
            1
            for username in queryset.values_list("username", flat=True)
            if services.lockout_reset(username=username, by=staff_member(request), request=request)
        )
        self.message_user(request, gettext("Odblokowano logowanie kont: %(n)d.") % {"n": count})

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool) -> None:
        services.user_save_by_staff(
            user=obj, changed=form.changed_data, created=not change, by=staff_member(request), request=request
        )

    def save_formset(
        self,
        request: HttpRequest,
        form: forms.ModelForm[User],
        formset: BaseInlineFormSet[UnitGrant, User, forms.ModelForm[UnitGrant]],
        change: bool,
    ) -> None:
        changed = {id(inline.instance): inline.changed_data for inline in formset.forms}
        for grant in formset.save(commit=False):
            services.grant_save(grant=grant, changed=changed[id(grant)], by=staff_member(request), request=request)
        for grant in formset.deleted_objects:
            services.grant_delete(grant=grant, by=staff_member(request), request=request)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and isinstance(response, HttpResponseRedirect):
            services.user_password_set_by_staff(user=User.objects.get(pk=id), by=staff_member(request), request=request)
        return response


# --- the lockout records of axes ------------------------------------------------------------------

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):  # django-axes has no type hints
    """Axes' failed-attempt records; removing them unlocks an account, which is audited."""

    actions = ["unlock_accounts", "cleanup_expired_attempts"]

    @admin.action(description=_("Odblokuj logowanie kont z zaznaczonych wpisów"))
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        usernames = set(queryset.values_list("username", flat=True))
        for username in usernames:
            services.lockout_reset(
                username=username or "", by=staff_member(request), request=request, reason="axes_admin"
            )
        self.message_user(request, gettext("Odblokowano logowanie kont: %(n)d.") % {"n": len(usernames)})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.lockout_reset(
            username=obj.username or "", by=staff_member(request), request=request, reason="axes_admin"
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for username in set(queryset.values_list("username", flat=True)):
            services.lockout_reset(
                username=username or "", by=staff_member(request), request=request, reason="axes_admin"
            )


# --- applications ---------------------------------------------------------------------------


class ApplicationStatusFilter(admin.SimpleListFilter):
    """Opens on the applications waiting for staff; the others are one click away."""

    title = _("stan")
    parameter_name = "stan"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[Any, StrOrPromise]]:
        return [
            (None, _("czekające na weryfikację")),
            (Application.Status.ACTIVATED, _("aktywowane")),
            (Application.Status.REJECTED, _("odrzucone")),
            ("wszystkie", _("wszystkie")),
            (Application.Status.UNCONFIRMED, _("niepotwierdzone (e-mail niepotwierdzony)")),
        ]

    def choices(self, changelist: Any) -> Iterator[Any]:
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}, [])
                if value
                else changelist.get_query_string(remove=[self.parameter_name]),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset.filter(status=Application.Status.PENDING)
        if value == "wszystkie":
            # An application whose e-mail was never confirmed may be anyone's typing (A1): staff
            # look for it on purpose, under its own filter, e.g. when the applicant calls.
            return queryset.exclude(status=Application.Status.UNCONFIRMED)
        return queryset.filter(status=value)


class ApplicationUnitInline(admin.TabularInline[ApplicationUnit, Application]):
    model = ApplicationUnit
    extra = 0
    can_delete = False
    fields = ["street", "building_no", "unit_no", "external_id", "unit"]
    readonly_fields = ["street", "building_no", "unit_no", "external_id"]
    autocomplete_fields = ["unit"]
    verbose_name_plural = _("lokale we wniosku — przypisz lokal z systemu źródłowego")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == Application.Status.PENDING


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin[Application]):
    change_form_template = "admin/accounts/application/change_form.html"
    list_display = ["number", "full_name", "email", "unit_count", "email_confirmed_at", "waiting", "status"]
    list_filter = [ApplicationStatusFilter]
    search_fields = ["number", "last_name", "first_name", "email", "pesel", "units__external_id", "units__street"]
    ordering = ["email_confirmed_at", "id"]
    inlines = [ApplicationUnitInline]
    actions = ["resend_confirmation"]
    autocomplete_fields = ["person"]
    fieldsets = [
        (
            _("Wnioskodawca"),
            {"fields": ["number", "status", "first_name", "last_name", "email", "phone", "pesel", "title_kind"]},
        ),
        (
            _("Regulamin i zgody"),
            {"fields": ["accepted_terms", "consent_e_invoice", "consent_e_correspondence", "consent_newsletter"]},
        ),
        (_("Złożenie"), {"fields": ["created_at", "email_confirmed_at", "waiting", "ip_address", "pdf_link"]}),
        (_("Dopasowanie do systemu źródłowego"), {"fields": ["matches", "person", "staff_note"]}),
        (_("Decyzja"), {"fields": ["decided_at", "decided_by", "rejection_reason", "user"]}),
    ]
    _always_readonly = [
        "number",
        "status",
        "first_name",
        "last_name",
        "email",
        "phone",
        "pesel",
        "title_kind",
        "accepted_terms",
        "consent_e_invoice",
        "consent_e_correspondence",
        "consent_newsletter",
        "created_at",
        "email_confirmed_at",
        "waiting",
        "ip_address",
        "pdf_link",
        "matches",
        "decided_at",
        "decided_by",
        "rejection_reason",
        "user",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Unconfirmed applications are left out of every list but their own filter (ApplicationStatusFilter).
        qs = super().get_queryset(request)
        return qs.select_related("person", "decided_by", "user", "terms_version").annotate(unit_count=Count("units"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.status != Application.Status.PENDING:
            return [*self._always_readonly, "person", "staff_note"]
        return self._always_readonly

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("lokali"), ordering="unit_count")
    def unit_count(self, obj: Application) -> int:
        return int(getattr(obj, "unit_count", 0))  # annotated by get_queryset

    @admin.display(description=_("imię i nazwisko"), ordering="last_name")
    def full_name(self, obj: Application) -> str:
        return obj.full_name

    @admin.display(description=_("czeka (dni robocze)"), ordering="email_confirmed_at")
    def waiting(self, obj: Application) -> str:
        if obj.status != Application.Status.PENDING or obj.email_confirmed_at is None:
            return "—"
        days = working_days_between(timezone.localdate(obj.email_confirmed_at), timezone.localdate())
        if days > settings.APPLICATION_TARGET_WORKING_DAYS:
            return format_html(
                '<strong class="overdue">{} — {}</strong>',
                days,
                gettext("po terminie (%(n)d dni roboczych)") % {"n": settings.APPLICATION_TARGET_WORKING_DAYS},
            )
        return str(days)

    @admin.display(description=_("wniosek do druku"))
    def pdf_link(self, obj: Application) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:accounts_application_pdf", args=[obj.pk]), gettext("pobierz PDF")
        )

    @admin.display(description=_("dopasowania w systemie źródłowym"))
    def matches(self, obj: Application) -> str:
        if obj.pk is None:
            return "—"
        found = application_matches(obj)
        linked = next((match for match in found.persons if match.person.pk == obj.person_id), None)
        return render_to_string(
            "admin/accounts/application/matches.html",
            {
                "application": obj,
                "found": found,
                "linked": linked,
                "editable": obj.status == Application.Status.PENDING,
            },
        )

    @admin.display(description=_("zaakceptowany regulamin"))
    def accepted_terms(self, obj: Application) -> str:
        return obj.accepted_terms_label

    @admin.action(description=_("Wyślij ponownie e-mail z linkiem potwierdzającym"))
    def resend_confirmation(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        sent, refused = 0, []
        for application in queryset:
            try:
                services.application_confirmation_resend(
                    application=application, by=staff_member(request), request=request
                )
            except ValidationError as exc:
                refused.extend(exc.messages)
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                # A count after a colon needs no plural form (Polish has three).
                gettext("Wysłano ponownie e-mail z linkiem potwierdzającym; liczba wniosków: %(n)d.") % {"n": sent},
                messages.SUCCESS,
            )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    def save_model(
        self, request: HttpRequest, obj: Application, form: forms.ModelForm[Application], change: bool
    ) -> None:
        services.application_save_by_staff(
            application=obj, changed=form.changed_data, by=staff_member(request), request=request
        )

    def response_change(self, request: HttpRequest, obj: Application) -> HttpResponse:
        if "_pick_person" in request.POST or "_pick_unit" in request.POST:
            # The matching panel's buttons submit the whole form: it is saved, then the pick applied.
            try:
                self._apply_pick(request, obj)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, gettext("Zapisano dopasowanie."))
            return HttpResponseRedirect(request.path)
        if "_activate" in request.POST:
            try:
                user = services.application_activate(application=obj, by=staff_member(request), request=request)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                return HttpResponseRedirect(request.path)
            self.message_user(
                request,
                gettext("Wniosek %(n)s aktywowany: konto %(login)s, dane logowania wysłano na %(email)s.")
                % {"n": obj.number, "login": user.username, "email": user.email},
            )
            return HttpResponseRedirect(reverse("admin:accounts_application_changelist"))
        return super().response_change(request, obj)

    def _apply_pick(self, request: HttpRequest, application: Application) -> None:
        picked_person = request.POST.get("_pick_person", "")
        if picked_person.isdigit():
            services.application_person_match(
                application=application, person_id=int(picked_person), by=staff_member(request), request=request
            )
        requested_id, _sep, unit_id = request.POST.get("_pick_unit", "").partition(":")
        if requested_id.isdigit() and unit_id.isdigit():
            services.application_unit_match(
                application=application,
                application_unit_id=int(requested_id),
                unit_id=int(unit_id),
                by=staff_member(request),
                request=request,
            )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("<id:pk>/odrzuc/", self.admin_site.admin_view(self.reject_view), name="accounts_application_reject"),
            path("<id:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="accounts_application_pdf"),
        ]
        return own + super().get_urls()

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        form = ReasonForm(request.POST if request.method == "POST" else None)
        form.fields["reason"].help_text = gettext("Powód zostanie wysłany wnioskodawcy e-mailem.")
        if request.method == "POST" and form.is_valid():
            try:
                services.application_reject(
                    application=application,
                    by=staff_member(request),
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, gettext("Wniosek %(n)s odrzucony.") % {"n": application.number})
                return HttpResponseRedirect(reverse("admin:accounts_application_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": application,
            "title": gettext("Odrzuć wniosek %(n)s") % {"n": application.number},
            "intro": gettext("Wnioskodawca: %(name)s, %(email)s")
            % {"name": application.full_name, "email": application.email},
            "button": gettext("Odrzuć wniosek"),
            "form": form,
        }
        return TemplateResponse(request, "admin/accounts/action_form.html", context)

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        response = HttpResponse(application_pdf(application), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{application_pdf_filename(application)}"'
        return response


# --- terms ----------------------------------------------------------------------------------


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin[TermsVersion]):
    """Publishing is adding a version; a published version is never edited (users accepted it)."""

    list_display = ["version", "published_at", "published_by", "accepted_by"]
    fields = ["version", "text", "published_at", "published_by"]
    readonly_fields = ["published_at", "published_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super().get_queryset(request).select_related("published_by").annotate(acceptance_count=Count("acceptances"))
        )

    @admin.display(description=_("zaakceptowało"))
    def accepted_by(self, obj: TermsVersion) -> int:
        return int(getattr(obj, "acceptance_count", 0))  # annotated by get_queryset

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        published = services.terms_publish(
            version=obj.version, text=obj.text, by=staff_member(request), request=request
        )
        obj.pk = published.pk
        obj.published_at = published.published_at
        obj.published_by = published.published_by


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[TermsAcceptance]):
    list_display = ["user", "terms", "accepted_at", "ip_address"]
    list_filter = ["terms"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user", "terms"]


@admin.register(UnitGrant)
class UnitGrantAdmin(admin.ModelAdmin[UnitGrant]):
    list_display = ["user", "unit", "since", "until", "source"]
    list_filter = ["source"]
    search_fields = ["user__username", "user__last_name", "unit__external_id", "unit__building__street"]
    list_select_related = ["user", "unit__building"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request: HttpRequest, obj: UnitGrant, form: forms.ModelForm[UnitGrant], change: bool) -> None:
        services.grant_save(grant=obj, changed=form.changed_data, by=staff_member(request), request=request)

    def delete_model(self, request: HttpRequest, obj: UnitGrant) -> None:
        services.grant_delete(grant=obj, by=staff_member(request), request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[UnitGrant]) -> None:
        for grant in queryset.select_related("user", "unit"):
            self.delete_model(request, grant)


class PolishOTPDeviceAdminMixin(admin.ModelAdmin[Any]):
    """django-otp's device admins name their sections, search hint and QR column in English,
    unmarked for translation (issue 14 item 14)."""

    _SECTIONS = {
        "Identity": _("Urządzenie"),
        "Timestamps": _("Daty"),
        "Configuration": _("Ustawienia"),
        "State": _("Stan"),
        "Throttling": _("Ograniczanie prób"),
    }
    search_help_text = _("Szukaj po loginie lub adresie e-mail użytkownika.")
    # django-otp's filters are titled by the fields' English names; a handful of devices needs none.
    list_filter = ()

    # Columns and read-only fields Django would label with the fields' English names.
    _COLUMNS = {
        "user": "device_user",
        "name": "device_name",
        "created_at": "device_created",
        "last_used_at": "device_used",
    }
    _COLUMNS |= {"confirmed": "device_confirmed"}

    # django-otp's device admins declare plain strings (names, fields), which these read as such.

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets: Any = super().get_fieldsets(request, obj)
        return [
            (self._SECTIONS.get(name, name), {**options, "fields": [self._readonly(f) for f in options["fields"]]})
            for name, options in fieldsets
        ]

    def _readonly(self, field: str) -> str:
        return self._COLUMNS[field] if field in ("created_at", "last_used_at") else field

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields: Any = super().get_readonly_fields(request, obj)
        return [self._readonly(field) for field in fields]

    def get_list_display(self, request: HttpRequest) -> Any:
        columns: Any = super().get_list_display(request)
        return [self._COLUMNS.get(field, field) for field in columns]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield: Any = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in OTP_FIELD_LABELS:
            label, help_text = OTP_FIELD_LABELS[db_field.name]
            formfield.label = capfirst(label)
            formfield.help_text = help_text
        return formfield

    @admin.display(description=_("użytkownik"), ordering="user")
    def device_user(self, device: Any) -> str:
        return str(device.user)

    @admin.display(description=_("nazwa"), ordering="name")
    def device_name(self, device: Any) -> str:
        return str(device.name)

    @admin.display(description=_("utworzono"), ordering="created_at")
    def device_created(self, device: Any) -> str:
        return format_date(device.created_at, with_time=True) or "—"

    @admin.display(description=_("ostatnio użyte"), ordering="last_used_at")
    def device_used(self, device: Any) -> str:
        return format_date(device.last_used_at, with_time=True) or "—"

    @admin.display(description=_("potwierdzone"), ordering="confirmed", boolean=True)
    def device_confirmed(self, device: Any) -> bool:
        return bool(device.confirmed)


class StaffStaticDeviceAdmin(PolishOTPDeviceAdminMixin, StaticDeviceAdmin):  # django-otp has no type hints
    """django-otp's admin of backup codes, in Polish."""


class StaffTOTPDeviceAdmin(PolishOTPDeviceAdminMixin, TOTPDeviceAdmin):  # django-otp has no type hints
    """django-otp's admin of TOTP devices. Its two extra pages (the key and its QR code) look
    the device up with ``objects.get()``, so an unknown or out-of-range id was a 500
    (``DoesNotExist``); here it is a 404 like on every other page."""

    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_or_404(TOTPDevice, pk=pk)
        response: HttpResponse = super().config_view(request, pk)
        return response

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_or_404(TOTPDevice, pk=pk)
        response: HttpResponse = super().qrcode_view(request, pk)
        return response

    @admin.display(description=_("kod QR"))
    def qrcode_link(self, device: TOTPDevice) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:otp_totp_totpdevice_config", kwargs={"pk": device.pk}),
            gettext("pokaż kod QR"),
        )


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, StaffTOTPDeviceAdmin)
admin.site.unregister(StaticDevice)
admin.site.register(StaticDevice, StaffStaticDeviceAdmin)
