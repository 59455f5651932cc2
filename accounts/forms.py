"""Forms check the shape of what was typed and speak Polish next to each field;
the rules across records are in ``accounts.services``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.lockout import account_lock
from accounts.models import TermsVersion, User
from accounts.services.second_factor import second_factor_verify
from billing.models import Title
from portal.validators import digits_only, validate_pesel

# For the type checker only: the mixins below are mixed into Django's login and password
# forms, and Django's generic forms take the user model (at run time they are not generic).
if TYPE_CHECKING:
    _LoginBase = AuthenticationForm
    _NewPasswordBase = SetPasswordForm[User]
    _SetPasswordForm = SetPasswordForm[User]
    _PasswordChangeForm = PasswordChangeForm
    _BaseFormSet = forms.BaseFormSet[forms.Form]
else:
    _LoginBase = _NewPasswordBase = object
    _SetPasswordForm, _PasswordChangeForm, _BaseFormSet = SetPasswordForm, PasswordChangeForm, forms.BaseFormSet

# --- logging in ------------------------------------------------------------------------------


class SerializedLoginMixin(_LoginBase):
    """Runs the form's authentication under the account's lock (see ``account_lock``).

    The failure axes records must survive the invalid-login error, so the error is
    raised only after the transaction that holds the lock has committed.
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        error = None
        with account_lock(username):
            try:
                cleaned = super().clean()
            except ValidationError as exc:
                error = exc
        if error is not None:
            raise error
        return cleaned

    def get_invalid_login_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if user.blocked_at is not None:
            raise ValidationError(
                _("To konto jest zablokowane. Aby wyjaśnić sprawę, skontaktuj się z biurem obsługi."),
                code="blocked",
            )


class LoginForm(SerializedLoginMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Login (identyfikator)"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Hasło"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Nieprawidłowy login lub hasło. Uwaga: po %(limit)s nieudanych próbach konto jest blokowane na %(minutes)s minut."
        ),
        "inactive": _("To konto jest nieaktywne."),
    }


class AdminLoginForm(SerializedLoginMixin, AdminAuthenticationForm):
    """The staff login: login, password and one code (A13), under the same per-account lock.

    The code is a TOTP code of any of the user's confirmed TOTP devices or one of their
    backup codes (``second_factor_verify``): no list of devices to choose from. A wrong
    password and a wrong code get the same answer and both count towards the lockout; the
    password is never written back into the page.
    """

    kod = forms.CharField(
        label=_("Kod"),
        max_length=64,
        help_text=_("Kod z aplikacji uwierzytelniającej (TOTP) albo jeden z kodów zapasowych."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Podaj kod jednorazowy z aplikacji albo kod zapasowy.")},
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Nieprawidłowy login, hasło lub kod. Uwaga: po %(limit)s nieudanych próbach konto jest blokowane na %(minutes)s minut."
        ),
    }

    def clean(self) -> dict[str, Any]:
        if "kod" not in self.cleaned_data:
            # Without a code the password is not even checked: nothing to learn, no failure counted.
            return self.cleaned_data
        return super().clean()

    def confirm_login_allowed(self, user: User) -> None:
        # Runs inside the lock, once the password is right.
        try:
            super().confirm_login_allowed(user)  # active, staff, not blocked
        except ValidationError:
            raise self.get_invalid_login_error() from None
        device = second_factor_verify(user=user, code=self.cleaned_data["kod"])
        if device is None:
            # A wrong code is a failed login like a wrong password: axes counts it (lockout)
            # and the audit trail records it.
            user_login_failed.send(
                sender=type(self), credentials={"username": user.get_username()}, request=self.request
            )
            raise self.get_invalid_login_error()
        user.otp_device = device  # type: ignore[attr-defined]  # django-otp marks the session verified when Django logs the user in


# --- passwords -------------------------------------------------------------------------------


def password_rules_html() -> str:
    """The password rules as a list, shown under the field before the user types (A6)."""
    texts = [text for text in password_validation.password_validators_help_texts() if text]
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((t,) for t in texts)))


class _NewPasswordMixin(_NewPasswordBase):
    """Rules checked against the first new-password field, so the errors stand next to it."""

    def _setup_new_password_fields(self) -> None:
        self.fields["new_password1"].label = _("Nowe hasło")
        self.fields["new_password1"].help_text = password_rules_html()
        self.fields["new_password2"].label = _("Powtórz nowe hasło")
        self.fields["new_password2"].help_text = _("Wpisz to samo hasło jeszcze raz.")

    def clean(self) -> dict[str, Any] | None:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class PortalPasswordChangeForm(_NewPasswordMixin, _PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("Obecne hasło jest nieprawidłowe. Wpisz je ponownie."),
        "password_mismatch": _("Hasła w obu polach nie są jednakowe."),
        "password_unchanged": _("Nowe hasło musi różnić się od dotychczasowego."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Obecne hasło")
        self.fields["old_password"].help_text = _("Przy pierwszym logowaniu: hasło otrzymane e-mailem.")
        self._setup_new_password_fields()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        old, new = cleaned.get("old_password"), cleaned.get("new_password1")
        if old and new and old == new:
            self.add_error(
                "new_password1", ValidationError(self.error_messages["password_unchanged"], code="unchanged")
            )
        return cleaned


class PortalSetPasswordForm(_NewPasswordMixin, _SetPasswordForm):
    error_messages = {**SetPasswordForm.error_messages, "password_mismatch": _("Hasła w obu polach nie są jednakowe.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_new_password_fields()


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Adres e-mail podany we wniosku"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


# --- the application ----------------------------------------------------------------------------

_PHONE_RE = re.compile(r"^\+?[\d\s()-]+$")


def validate_phone(value: str) -> None:
    digits = re.sub(r"\D", "", value)
    if not _PHONE_RE.match(value.strip()) or not 9 <= len(digits) <= 15:
        raise ValidationError(_("Podaj numer telefonu, np. 600 123 456 albo +48 600 123 456."), code="phone")


class ApplicationForm(forms.Form):
    first_name = forms.CharField(
        label=_("Imię"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Nazwisko"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label=_("Adres e-mail"),
        max_length=254,
        help_text=_("Wyślemy na niego link potwierdzający, a po aktywacji login i pierwsze hasło."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Telefon"),
        max_length=40,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    pesel = forms.CharField(
        label=_("PESEL (nieobowiązkowy)"),
        required=False,
        max_length=20,
        help_text=_("Ułatwia odnalezienie Twoich danych w kartotece."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    title_kind = forms.ChoiceField(
        label=_("Tytuł prawny do lokalu"),
        choices=[("", _("— wybierz —")), *Title.Kind.choices],
        error_messages={"required": _("Wybierz tytuł prawny do lokalu.")},
    )
    accept_terms = forms.BooleanField(
        label=_("Akceptuję regulamin e-BOK."),
        error_messages={"required": _("Aby złożyć wniosek, zaakceptuj regulamin.")},
    )
    # The version the applicant was shown; a newer one published meanwhile must be read first.
    terms_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    consent_e_invoice = forms.BooleanField(
        label=_("Zgadzam się na otrzymywanie faktur w formie elektronicznej (e-faktura)."), required=False
    )
    consent_e_correspondence = forms.BooleanField(
        label=_("Zgadzam się na otrzymywanie korespondencji w formie elektronicznej (e-korespondencja)."),
        required=False,
    )
    consent_newsletter = forms.BooleanField(
        label=_("Chcę otrzymywać e-mailem ogłoszenia i informacje (newsletter)."), required=False
    )

    def __init__(self, *args: Any, terms: TermsVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        link_text = str(_("Przeczytaj regulamin"))
        self.fields["terms_version"].initial = terms.pk if terms is not None else None
        if terms is not None:
            link_text = _("Przeczytaj regulamin (wersja %(version)s)") % {"version": terms.version}
        self.fields["accept_terms"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', reverse("terms"), link_text
        )

    def clean_pesel(self) -> str:
        value = digits_only(self.cleaned_data.get("pesel"))
        if value:
            validate_pesel(value)
        return value


class ApplicationUnitForm(forms.Form):
    street = forms.CharField(label=_("Ulica"), max_length=200, required=False)
    building_no = forms.CharField(label=_("Numer budynku"), max_length=20, required=False)
    unit_no = forms.CharField(label=_("Numer lokalu"), max_length=20, required=False)
    external_id = forms.CharField(
        label=_("albo numer lokalu z blankietu opłat"),
        max_length=64,
        required=False,
        help_text=_("Numer lokalu (konta) widoczny na blankiecie opłat lub fakturze."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("external_id"):
            return cleaned
        if not cleaned.get("street"):
            self.add_error("street", _("Podaj ulicę albo numer lokalu z blankietu opłat."))
        if not cleaned.get("building_no"):
            self.add_error("building_no", _("Podaj numer budynku albo numer lokalu z blankietu opłat."))
        return cleaned


class _BaseUnitFormSet(_BaseFormSet):
    default_error_messages = {
        "too_few_forms": _("Podaj co najmniej jeden lokal."),
        "too_many_forms": _("We wniosku można podać najwyżej %(num)d lokali."),
    }

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if not form.has_changed():
                continue
            key = tuple((form.cleaned_data.get(name) or "").strip().lower() for name in form.fields)
            if key in seen:
                raise ValidationError(_("Ten sam lokal podano dwa razy."), code="duplicate_unit")
            seen.add(key)

    def units(self) -> list[dict[str, str]]:
        return [form.cleaned_data for form in self.forms if form.has_changed() and form.cleaned_data]


ApplicationUnitFormSet = cast(
    type[_BaseUnitFormSet],
    formset_factory(
        ApplicationUnitForm,
        formset=_BaseUnitFormSet,
        extra=0,
        min_num=1,
        validate_min=True,
        max_num=10,
        validate_max=True,
    ),
)


# --- the account ------------------------------------------------------------------------------


class ConsentsForm(forms.Form):
    consent_e_invoice = forms.BooleanField(label=_("E-faktura: faktury wyłącznie e-mailem i w e-BOK"), required=False)
    consent_e_correspondence = forms.BooleanField(
        label=_("E-korespondencja: pisma i zawiadomienia e-mailem i w e-BOK"), required=False
    )
    consent_newsletter = forms.BooleanField(label=_("Newsletter: ogłoszenia i informacje e-mailem"), required=False)
    notify_announcements = forms.BooleanField(
        label=_("Powiadamiaj e-mailem o ogłoszeniach dotyczących mojego budynku"), required=False
    )
    notify_reading_reminders = forms.BooleanField(
        label=_("Przypominaj e-mailem o podaniu stanu liczników"), required=False
    )


class CloseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Hasło"),
        strip=False,
        help_text=_("Podaj hasło, aby potwierdzić, że to Ty."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("Rozumiem, że po zamknięciu konta stracę dostęp do e-BOK, a moje dane kontaktowe zostaną usunięte."),
        error_messages={"required": _("Zaznacz, że rozumiesz skutki zamknięcia konta.")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Hasło jest nieprawidłowe."), code="password_incorrect")
        return password


class TermsAcceptForm(forms.Form):
    accept = forms.BooleanField(
        label=_("Zapoznałem się z regulaminem i akceptuję go."),
        error_messages={"required": _("Aby korzystać z e-BOK, zaakceptuj regulamin.")},
    )


class ReasonForm(forms.Form):
    """Staff actions that need a reason (blocking, rejection)."""

    reason = forms.CharField(label=_("Powód"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
