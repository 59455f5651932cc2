"""The statement as CSV for spreadsheets (B7): ``;`` between fields, decimal comma,
dates as DD.MM.RRRR, UTF-8 with a BOM, CRLF line ends — what Excel in Polish opens
by a double click with the letters and numbers right."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.formats import format_date

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_amount(value: Decimal | None) -> str:
    """``Decimal("-1234.5")`` → ``-1234,50``: a number a Polish spreadsheet reads as such."""
    if value is None:
        return ""
    return f"{Decimal(value):.2f}".replace(".", ",")


def csv_text(value: str) -> str:
    """Text from the back-office as text: a leading ``=``, ``+``, ``-`` or ``@`` would make a
    spreadsheet run it as a formula (CSV injection), so it gets an apostrophe first."""
    value = value or ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def statement_csv(statement) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\r\n")
    writer.writerow(
        [
            _("Data księgowania"),
            _("Termin płatności"),
            _("Rodzaj"),
            _("Składnik"),
            _("Opis"),
            _("Kwota"),
            _("Saldo po operacji"),
        ]
    )
    start = format_date(statement.date_from) if statement.date_from else ""
    writer.writerow([start, "", _("saldo początkowe"), "", "", "", csv_amount(statement.opening)])
    for row in statement.rows:
        writer.writerow(
            [
                format_date(row.booked_on),
                format_date(row.due_on),
                row.kind_label,
                csv_text(row.component),
                csv_text(row.description),
                csv_amount(row.amount),
                csv_amount(row.balance),
            ]
        )
    writer.writerow([format_date(statement.date_to), "", _("saldo końcowe"), "", "", "", csv_amount(statement.closing)])
    return out.getvalue().encode("utf-8")
