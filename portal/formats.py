"""Polish formats for money and dates, used by templates, PDFs and e-mails alike."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

NBSP = "\u00a0"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def format_amount(value: Decimal | int | str | None, *, currency: bool = True) -> str:
    """``Decimal("1234.5")`` → ``"1 234,50 zł"`` with non-breaking spaces, so that
    an amount never wraps across lines on a phone."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if not amount:
        amount = ZERO  # never "-0,00"
    text = f"{amount:,.2f}".replace(",", NBSP).replace(".", ",")
    return f"{text}{NBSP}zł" if currency else text


def format_date(value: dt.date | dt.datetime | None, *, with_time: bool = False) -> str:
    """``date(2026, 11, 21)`` → ``"21.11.2026"``; datetimes in the portal's time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        if with_time:
            return value.strftime("%d.%m.%Y %H:%M")
        value = value.date()
    return f"{value.day:02d}.{value.month:02d}.{value.year}"  # strftime("%d.%m.%Y"), at a third of the cost


def format_nrb(value: str) -> str:
    """A 26-digit account number in the grouping printed on Polish payment slips."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 26:
        return value
    return " ".join([digits[:2]] + [digits[i : i + 4] for i in range(2, 26, 4)])


def format_iban(value: str) -> str:
    """A Polish account number as an IBAN for display: ``PL61 1090 1014 0000 0712 1981 2874``.

    A value that is not 26 digits is returned as it is.
    """
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    if len(digits) != 26:
        return value or ""
    return " ".join([f"PL{digits[:2]}"] + [digits[i : i + 4] for i in range(2, 26, 4)])


# A pair of straight quotes (or a Polish opening one closed by a straight or English one).
_QUOTED = re.compile(r'(?:"|„)([^"„”“]*)(?:"|“|”)')


def polish_quotes(text: str) -> str:
    """``Wezwanie "pilne"`` → ``Wezwanie „pilne”``: titles from the back-office in the Polish
    typographic quotes; an unpaired quote is left as it is."""
    return _QUOTED.sub(r"„\1”", text or "")
