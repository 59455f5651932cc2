"""Checksums of Polish identifiers: PESEL, NIP and NRB (the domestic bank account number).

The ``*_is_valid`` functions are pure (string in, bool out) so the nightly import
can call them on every row; the Django validators wrap them for forms.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def _digits(s: str, length: int) -> bool:
    return len(s) == length and s.isascii() and s.isdigit()


def pesel_is_valid(s: str) -> bool:
    """11 digits whose weighted sum (1,3,7,9,…) gives the last digit as its check digit."""
    if not _digits(s, 11):
        return False
    total = sum(int(d) * w for d, w in zip(s, PESEL_WEIGHTS, strict=False))
    return (10 - total % 10) % 10 == int(s[10])


def nip_is_valid(s: str) -> bool:
    """10 digits; the weighted sum (6,5,7,2,3,4,5,6,7) mod 11 equals the last digit."""
    if not _digits(s, 10):
        return False
    check = sum(int(d) * w for d, w in zip(s, NIP_WEIGHTS, strict=False)) % 11
    return check != 10 and check == int(s[9])


def nrb_normalize(s: str) -> str:
    """NRB as written on paper (spaces between groups) → 26 digits."""
    return s.replace(" ", "")


def nrb_is_valid(s: str) -> bool:
    """26 digits (spaces allowed) forming a valid IBAN with the country code PL.

    IBAN check: move "PL" and the two check digits to the end, turn the letters
    into numbers (P=25, L=21) and the result mod 97 must be 1.
    """
    digits = nrb_normalize(s)
    if not _digits(digits, 26):
        return False
    return int(digits[2:] + "2521" + digits[:2]) % 97 == 1


def validate_pesel(value: str) -> None:
    if not pesel_is_valid(value):
        raise ValidationError(_("Nieprawidłowy numer PESEL (11 cyfr z poprawną cyfrą kontrolną)."), code="pesel")


def validate_nip(value: str) -> None:
    if not nip_is_valid(value):
        raise ValidationError(_("Nieprawidłowy NIP (10 cyfr z poprawną cyfrą kontrolną)."), code="nip")


def validate_nrb(value: str) -> None:
    if not nrb_is_valid(value):
        raise ValidationError(_("Nieprawidłowy numer rachunku (26 cyfr z poprawną sumą kontrolną IBAN)."), code="nrb")
