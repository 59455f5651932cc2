"""The statement as CSV for spreadsheets (B7), in the portal's one CSV convention
(``portal/spreadsheet.py``: ``;``, decimal comma, DD.MM.RRRR, UTF-8 with a BOM)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billing.selectors import Statement

from django.utils.translation import gettext as _

from portal.spreadsheet import csv_content, csv_date, csv_number, csv_text


def statement_csv(statement: Statement) -> bytes:
    header = [
        _("Data księgowania"),
        _("Termin płatności"),
        _("Rodzaj"),
        _("Składnik"),
        _("Opis"),
        _("Kwota"),
        _("Saldo po operacji"),
    ]
    start = csv_date(statement.date_from) if statement.date_from else ""
    rows = [[start, "", _("saldo początkowe"), "", "", "", csv_number(statement.opening)]]
    rows += [
        [
            csv_date(row.booked_on),
            csv_date(row.due_on),
            row.kind_label,
            csv_text(row.component),
            csv_text(row.description),
            csv_number(row.amount),
            csv_number(row.balance),
        ]
        for row in statement.rows
    ]
    rows.append([csv_date(statement.date_to), "", _("saldo końcowe"), "", "", "", csv_number(statement.closing)])
    return csv_content(header, rows)
