"""The one CSV convention of every export a person opens in a spreadsheet (the statement,
meter readings and consumption): what Excel or LibreOffice in Polish opens by a double
click with the letters and numbers right.

- UTF-8 with a BOM (Excel reads the Polish letters right only with it), CRLF line ends;
- ``;`` between fields (the comma is the decimal separator in Polish);
- numbers with a decimal comma, no thousands separator, a minus for negatives and never
  ``-0,00``; a fixed number of decimal places per column (money 2, meter values 3);
- dates as ``DD.MM.RRRR``, months as ``MM.RRRR``;
- text from the back-office or from people that starts with ``=``, ``+``, ``-`` or ``@``
  gets an apostrophe first, so that a spreadsheet does not run it as a formula.

The back-office exchange bundle (``sync/``) is not an export for people and has its own
format (ISO dates, decimal point): ``EXCHANGE_FORMAT.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.http import HttpResponse

from portal.formats import format_date

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_number(value: Decimal | int | float | None, places: int = 2) -> str:
    """``Decimal("-1234.5")`` → ``-1234,50``: a number a Polish spreadsheet reads as such.
    A zero is always ``0,00``: a sum of floats (SQLite) or a negated zero would print ``-0,00``."""
    if value is None:
        return ""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if not number:
        number = abs(number)
    return f"{number:.{places}f}".replace(".", ",")


def csv_date(value: dt.date | dt.datetime | None) -> str:
    """``date(2026, 12, 3)`` → ``03.12.2026`` (a datetime in the portal's time zone)."""
    return format_date(value)


def csv_month(value: dt.date) -> str:
    """The month of ``value`` → ``12.2026``."""
    return f"{value.month:02d}.{value.year}"


def csv_text(value: str | None) -> str:
    """Text as text: a leading ``=``, ``+``, ``-`` or ``@`` would make a spreadsheet run it
    as a formula (CSV injection), so it gets an apostrophe first."""
    value = value or ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_content(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """The file: BOM, the header, the rows; ``;`` between fields, CRLF line ends, UTF-8."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> HttpResponse:
    """A download of ``csv_content`` named ``filename``, never kept by a cache."""
    response = HttpResponse(csv_content(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
