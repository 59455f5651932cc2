"""Checksums of Polish identifiers: PESEL (person), NIP (tax id), NRB (bank account).

Pure ``*_is_valid(value) -> bool`` for imports and matching; ``validate_*`` for
form and model fields, raising ``ValidationError`` with a Polish message.
Spaces and hyphens are allowed as separators (people copy them from documents);
``digits_only`` gives the form to store.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = str.maketrans("", "", " -\u00a0\t")

PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
# PESEL encodes the century in the month: +80 for the 1800s, +0 for the 1900s, +20 for the 2000s …
_PESEL_CENTURIES = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}


def digits_only(value: str | None) -> str:
    """``"PL 61 1090-1014"`` → ``"6110901014"``: no separators, no ``PL`` prefix."""
    text = (value or "").strip().translate(_SEPARATORS)
    if text[:2].upper() == "PL":
        text = text[2:]
    return text


def pesel_birth_date(value: str) -> dt.date | None:
    """The birth date a PESEL encodes, or None when the digits name no real day."""
    text = digits_only(value)
    if len(text) != 11 or not text.isdigit():
        return None
    year, month, day = int(text[0:2]), int(text[2:4]), int(text[4:6])
    offset = (month - 1) // 20 * 20
    century = _PESEL_CENTURIES.get(offset)
    if century is None:
        return None
    try:
        return dt.date(century + year, month - offset, day)
    except ValueError:
        return None


def pesel_is_valid(value: str | None) -> bool:
    """11 digits, a real birth date and the right check digit."""
    text = digits_only(value)
    if len(text) != 11 or not text.isdigit():
        return False
    if pesel_birth_date(text) is None:
        return False
    total = sum(int(d) * w for d, w in zip(text[:10], PESEL_WEIGHTS, strict=True))
    return (10 - total % 10) % 10 == int(text[10])


def nip_is_valid(value: str | None) -> bool:
    """10 digits with the mod-11 check digit (a remainder of 10 is never issued)."""
    text = digits_only(value)
    if len(text) != 10 or not text.isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(text[:9], NIP_WEIGHTS, strict=True)) % 11
    return remainder != 10 and remainder == int(text[9])


def nrb_is_valid(value: str | None) -> bool:
    """26 digits whose IBAN form ``PL…`` passes the mod-97 check."""
    text = digits_only(value)
    if len(text) != 26 or not text.isdigit():
        return False
    # IBAN: the country code P=25 L=21 and the check digits move to the end.
    return int(text[2:] + "2521" + text[:2]) % 97 == 1


def validate_pesel(value: str) -> None:
    text = digits_only(value)
    if len(text) != 11 or not text.isdigit():
        raise ValidationError(_("PESEL składa się z 11 cyfr."), code="pesel_length")
    if not pesel_is_valid(text):
        raise ValidationError(
            _("To nie jest poprawny numer PESEL (błędna data urodzenia lub cyfra kontrolna)."),
            code="pesel_checksum",
        )


def validate_nip(value: str) -> None:
    text = digits_only(value)
    if len(text) != 10 or not text.isdigit():
        raise ValidationError(_("NIP składa się z 10 cyfr."), code="nip_length")
    if not nip_is_valid(text):
        raise ValidationError(_("To nie jest poprawny NIP (błędna cyfra kontrolna)."), code="nip_checksum")


def validate_nrb(value: str) -> None:
    text = digits_only(value)
    if len(text) != 26 or not text.isdigit():
        raise ValidationError(_("Numer rachunku (NRB) składa się z 26 cyfr."), code="nrb_length")
    if not nrb_is_valid(text):
        raise ValidationError(_("To nie jest poprawny numer rachunku (błędne cyfry kontrolne)."), code="nrb_checksum")


def nrb_normalize(value: str | None) -> str:
    """NRB as written on paper (spaces between groups) → its digits (the name the sync uses)."""
    return digits_only(value)
