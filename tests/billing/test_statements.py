"""Statements (B7): a unit's ledger for a period as CSV (for Excel in Polish) and PDF."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from billing.exports import statement_csv
from billing.models import LedgerEntry
from billing.selectors import LedgerRow, Statement
from portal.spreadsheet import csv_number
from tests.billing.conftest import add_history

pytestmark = pytest.mark.django_db


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8
    text = content.decode("utf-8")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))


def test_csv_statement_has_opening_entries_with_running_balance_and_closing(client, owner, unit):
    add_history(unit, months=24, start=dt.date(2024, 1, 1))
    client.force_login(owner)
    response = client.get(f"/lokale/{unit.pk}/zestawienie/?od=2025-01-01&do=2025-03-31&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="zestawienie-{unit.external_id}-2025-01-01-2025-03-31.csv"'
    )
    rows = _csv_rows(response.content)
    assert rows[0] == [
        "Data księgowania",
        "Termin płatności",
        "Rodzaj",
        "Składnik",
        "Opis",
        "Kwota",
        "Saldo po operacji",
    ]
    assert rows[1] == ["01.01.2025", "", "saldo początkowe", "", "", "", "122,50"]  # 12 × 10 zł + 2 × 1,25 zł
    assert rows[2] == [
        "01.01.2025",
        "15.01.2025",
        "naliczenie",
        "eksploatacja",
        "eksploatacja 01/2025",
        "200,00",
        "322,50",
    ]
    assert rows[4][2:] == ["wpłata", "wpłata", "wpłata 01/2025", "-290,00", "132,50"]
    assert len(rows) == 1 + 1 + 9 + 1
    assert rows[-1] == ["31.03.2025", "", "saldo końcowe", "", "", "", "152,50"]


def test_csv_amounts_are_numbers_for_a_polish_spreadsheet_and_text_cannot_become_a_formula(client, owner, unit):
    LedgerEntry.objects.create(
        external_id="E-X",
        unit=unit,
        booked_on=dt.date(2025, 5, 5),
        kind="correction",
        component='=HYPERLINK("http://zly.example")',
        description='-korekta; "cudzysłów"',
        amount=Decimal("-1234.50"),
    )
    client.force_login(owner)
    rows = _csv_rows(client.get(f"/lokale/{unit.pk}/zestawienie/?od=2025-01-01&do=2025-12-31&format=csv").content)
    assert rows[2][3] == '\'=HYPERLINK("http://zly.example")'
    assert rows[2][4] == '\'-korekta; "cudzysłów"'
    assert rows[2][5] == "-1234,50"  # decimal comma, no thousands separator


def test_pdf_statement_lists_the_period_with_totals(client, owner, unit):
    add_history(unit, months=24, start=dt.date(2024, 1, 1))
    client.force_login(owner)
    response = client.get(f"/lokale/{unit.pk}/zestawienie/?od=2024-06-01&do=2024-06-30&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Zestawienie kartoteki lokalu" in text and "okres 01.06.2024 – 30.06.2024" in text
    assert "Saldo początkowe 50,00" in text and "Saldo końcowe 61,25" in text
    assert "odsetki" in text and "Do zapłaty 61,25 zł" in text


@time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_the_statement_form_proposes_this_year_and_an_empty_start_means_all_history(client, owner, unit):
    add_history(unit, months=3, start=dt.date(2025, 1, 1))
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/zestawienie/").content.decode()
    assert 'value="2026-01-01"' in html and 'value="2026-03-10"' in html
    rows = _csv_rows(client.get(f"/lokale/{unit.pk}/zestawienie/?od=&do=&format=csv").content)
    assert rows[1][2:] == ["saldo początkowe", "", "", "", "0,00"] and len(rows) == 1 + 1 + 9 + 1
    assert rows[-1][0] == "10.03.2026"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?od=2026-13-45&do=2026-12-31&format=pdf", "To nie jest prawdziwa data"),
        ("?od=2026-05-01&do=2026-01-01&format=csv", "Data w polu „Od dnia” jest późniejsza niż w polu „Do dnia”"),
        ("?od=2026-01-01&do=2026-02-01&format=xls", "Wybierz format zestawienia: PDF albo CSV."),
        ("?od=2099-01-01&format=csv", "Data w polu „Od dnia” jest późniejsza niż dzisiejsza"),
    ],
)
def test_bad_statement_requests_get_the_form_back_with_a_polish_message(client, owner, unit, query, message):
    client.force_login(owner)
    response = client.get(f"/lokale/{unit.pk}/zestawienie/{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_zero_never_prints_as_minus_zero_in_the_csv(unit):
    # SQLite (the embedded try-out) sums amounts as floats: a settled ledger sums to -1e-13.
    zero_row = LedgerRow(
        1, "E-1", dt.date(2025, 1, 5), None, "payment", "wpłata", "", Decimal("-0.00"), Decimal("-0.004")
    )
    data = Statement(
        unit=unit,
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 1, 31),
        opening=Decimal("-0.00"),
        rows=[zero_row],
        closing=-Decimal("0.00"),
    )
    content = statement_csv(data)
    assert b"-0,00" not in content
    rows = _csv_rows(content)
    assert rows[1][6] == rows[2][5] == rows[2][6] == rows[3][6] == "0,00"


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Decimal("-1234.5"), 2, "-1234,50"),
        (Decimal("-0.00"), 2, "0,00"),
        (-1.1368683772161603e-13, 2, "0,00"),
        (Decimal("0.005"), 2, "0,01"),
        (Decimal("136"), 3, "136,000"),
        (Decimal("-0.0004"), 3, "0,000"),
        (None, 2, ""),
    ],
)
def test_csv_numbers_have_a_decimal_comma_no_separator_and_no_minus_zero(value, places, text):
    assert csv_number(value, places) == text
