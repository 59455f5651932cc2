"""The password rule of the regulations (A6, 000 §8): at least 8 characters with an
upper-case letter and a digit; the operator may require a special character too.
Django's length, common-password, similarity and numeric validators run beside these."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User

import secrets
import string

from django.conf import settings
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.contrib.auth.password_validation import (
    UserAttributeSimilarityValidator as DjangoUserAttributeSimilarityValidator,
)
from django.contrib.auth.password_validation import get_default_password_validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


class UppercaseLetterValidator:
    """At least one upper-case letter; Polish letters (Ą, Ł, Ż …) count."""

    def validate(self, password: str, user: User | None = None) -> None:
        if not any(ch.isupper() for ch in password):
            raise ValidationError(_("Hasło musi zawierać co najmniej jedną wielką literę."), code="password_no_upper")

    def get_help_text(self) -> str:
        return _("Hasło musi zawierać co najmniej jedną wielką literę (także polską, np. Ł).")


class DigitValidator:
    def validate(self, password: str, user: User | None = None) -> None:
        if not any(ch.isdigit() for ch in password):
            raise ValidationError(_("Hasło musi zawierać co najmniej jedną cyfrę."), code="password_no_digit")

    def get_help_text(self) -> str:
        return _("Hasło musi zawierać co najmniej jedną cyfrę.")


class SpecialCharacterValidator:
    """Only when the operator asks for it (``PASSWORD_REQUIRE_SPECIAL=1``, e.g. 002 §2.9)."""

    def validate(self, password: str, user: User | None = None) -> None:
        if settings.PASSWORD_REQUIRE_SPECIAL and all(ch.isalnum() for ch in password):
            raise ValidationError(
                _("Hasło musi zawierać co najmniej jeden znak specjalny (np. ! ? # %)."),
                code="password_no_special",
            )

    def get_help_text(self) -> str:
        if not settings.PASSWORD_REQUIRE_SPECIAL:
            return ""
        return _("Hasło musi zawierać co najmniej jeden znak specjalny (np. ! ? # %).")


class MaximumLengthValidator:
    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(self._message(), code="password_too_long")

    def get_help_text(self) -> str:
        return self._message()

    def _message(self) -> str:
        # Polish has three forms: 1 znak, 2–4 (22–24 …) znaki, 5–21 (25 …) znaków.
        return ngettext(
            "Hasło może mieć najwyżej %(max)d znak.", "Hasło może mieć najwyżej %(max)d znaków.", self.max_length
        ) % {"max": self.max_length}


class UserAttributeSimilarityValidator(DjangoUserAttributeSimilarityValidator):
    """Django's check, with the attribute named in the genitive the Polish sentence needs.

    Django puts the field's verbose name, a nominative, into "…zbyt podobne do %(verbose_name)s",
    which reads "zbyt podobne do nazwa użytkownika"; here each attribute has its own genitive.
    The comparison itself is Django's, run for one attribute at a time to know which matched.
    """

    GENITIVE = {
        "username": gettext_lazy("nazwy użytkownika (loginu)"),
        "first_name": gettext_lazy("Twojego imienia"),
        "last_name": gettext_lazy("Twojego nazwiska"),
        "email": gettext_lazy("Twojego adresu e-mail"),
    }

    def validate(self, password: str, user: User | None = None) -> None:
        for attribute in self.user_attributes:
            single = DjangoUserAttributeSimilarityValidator(
                user_attributes=(attribute,), max_similarity=self.max_similarity
            )
            try:
                single.validate(password, user)
            except ValidationError:
                what = self.GENITIVE.get(attribute, gettext_lazy("Twoich danych"))
                raise ValidationError(
                    _("Hasło jest zbyt podobne do %(what)s.") % {"what": what},
                    code="password_too_similar",
                    params={"verbose_name": str(what)},
                ) from None

    def get_help_text(self) -> str:
        return _("Hasło nie może być zbyt podobne do Twojego loginu, imienia, nazwiska ani adresu e-mail.")


# Generated passwords and logins avoid characters that look alike on paper (0/O, 1/l/I).
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"
_SPECIAL = "!#%+=?@"


def _configured_min_length() -> int:
    for validator in get_default_password_validators():
        if isinstance(validator, DjangoMinimumLengthValidator):
            return validator.min_length
    return 8


def password_generate() -> str:
    """A random first password that satisfies the rule whatever the operator configured."""
    length = max(12, _configured_min_length())
    chars = [secrets.choice(_UPPER), secrets.choice(_LOWER), secrets.choice(_DIGITS), secrets.choice(_SPECIAL)]
    alphabet = _UPPER + _LOWER + _DIGITS
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def login_generate() -> str:
    """A login identifier: eight digits, not starting with 0 (easy to type on a phone)."""
    return secrets.choice("123456789") + "".join(secrets.choice(string.digits) for _ in range(7))
