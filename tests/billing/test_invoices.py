"""E-invoices (B4, B6): list and detail per unit, the Faktura VAT PDF, stored and served again."""

import base64
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from billing import pdf
from billing.models import InvoiceLine, LedgerEntry
from tests import factories
from tests.billing.test_formats_words_qr import decode_qr

pytestmark = pytest.mark.django_db

TWO_RATES = [
    {
        "name": "Dostawa wody",
        "quantity": Decimal("10.000"),
        "measure_unit": "m3",
        "unit_net_price": Decimal("10.00"),
        "vat_rate": "8",
        "net": Decimal("100.00"),
        "vat": Decimal("8.00"),
        "gross": Decimal("108.00"),
    },
    {
        "name": "Wywóz nieczystości",
        "quantity": Decimal("1.000"),
        "measure_unit": "usł.",
        "unit_net_price": Decimal("50.00"),
        "vat_rate": "23",
        "net": Decimal("50.00"),
        "vat": Decimal("11.50"),
        "gross": Decimal("61.50"),
    },
    {
        "name": "Opłata za zarząd",
        "quantity": Decimal("1.000"),
        "measure_unit": "mies.",
        "unit_net_price": Decimal("20.00"),
        "vat_rate": "zw",
        "net": Decimal("20.00"),
        "vat": Decimal("0.00"),
        "gross": Decimal("20.00"),
    },
]


def _invoice(unit, buyer, number, issued, gross="100.00", **kwargs):
    gross = Decimal(gross)
    line = {
        "name": "Dostawa wody i odprowadzanie ścieków",
        "quantity": Decimal("1.000"),
        "measure_unit": "m3",
        "unit_net_price": gross,
        "vat_rate": "0",
        "net": gross,
        "vat": Decimal("0"),
        "gross": gross,
    }
    return factories.InvoiceFactory(
        unit=unit, buyer=buyer, number=number, issued_on=issued, net=gross, vat=0, gross=gross, lines=[line], **kwargs
    )


def _owe(unit, amount):
    LedgerEntry.objects.create(
        external_id=f"E-OWE-{amount}",
        unit=unit,
        booked_on=dt.date(2026, 1, 1),
        kind="charge",
        component="woda",
        amount=amount,
    )


def _pdf_text(content: bytes) -> str:
    """The PDF's text with line breaks as spaces (a table cell may wrap)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_invoice_list_marks_the_newest_invoices_as_unpaid_up_to_the_balance(client, owner, unit, buyer, operator):
    old = _invoice(unit, buyer, "FV/1/2026", dt.date(2026, 1, 5))
    middle = _invoice(unit, buyer, "FV/2/2026", dt.date(2026, 2, 5))
    new = _invoice(unit, buyer, "FV/3/2026", dt.date(2026, 3, 5))
    _owe(unit, Decimal("150.00"))  # the newest (100) in full, the middle one half, the oldest paid
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/").content.decode()
    assert html.index(new.number) < html.index(middle.number) < html.index(old.number)
    rows = {number: html.split(number, 1)[1].split("</tr>", 1)[0] for number in (old.number, middle.number, new.number)}
    assert "do zapłaty 100,00\xa0zł" in rows[new.number]
    assert "do zapłaty 50,00\xa0zł" in rows[middle.number]
    assert "rozliczona" in rows[old.number]


def test_outstanding_amounts_stay_right_on_later_pages_of_the_list(client, owner, unit, buyer, operator):
    invoices = [_invoice(unit, buyer, f"FV/{n}/2025", dt.date(2025, 1, 1) + dt.timedelta(days=n)) for n in range(25)]
    _owe(unit, Decimal("2150.00"))  # 21 newest invoices in full, the 22nd half
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/?strona=2").content.decode()
    assert "Strona 2 z 2" in html
    page2 = [inv.number for inv in reversed(invoices)][20:]
    assert [n for n in page2 if n in html] == page2
    assert html.count("do zapłaty 100,00\xa0zł") == 1 and html.count("do zapłaty 50,00\xa0zł") == 1
    assert html.count("rozliczona") == 3


def test_invoice_detail_shows_lines_totals_per_rate_and_a_qr_for_what_is_left_to_pay(
    client, owner, unit, buyer, operator, tmp_path
):
    invoice = factories.InvoiceFactory(
        unit=unit, buyer=buyer, net=Decimal("170.00"), vat=Decimal("19.50"), gross=Decimal("189.50"), lines=TWO_RATES
    )
    _owe(unit, Decimal("100.00"))
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/").content.decode()
    assert "Wywóz nieczystości" in html and "Razem stawka 23%" in html and "Razem stawka zw. (zwolnione)" in html
    assert "189,50" in html and "100,00\xa0zł" in html
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    fields = decode_qr(png, tmp_path).split("|")
    assert fields[3] == "010000" and fields[5] == f"Faktura {invoice.number}"


def test_a_paid_invoice_has_no_transfer_qr(client, owner, unit, buyer, operator):
    invoice = factories.InvoiceFactory(unit=unit, buyer=buyer)
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/").content.decode()
    assert "Rozliczona — stan na" in html and "data:image/png" not in html


def test_invoice_pdf_is_a_polish_faktura_vat_with_words_ksef_and_a_readable_qr(
    client, owner, unit, buyer, operator, tmp_path
):
    invoice = factories.InvoiceFactory(
        unit=unit,
        buyer=buyer,
        number="FV/123/11/2026",
        net=Decimal("170.00"),
        vat=Decimal("19.50"),
        gross=Decimal("189.50"),
        lines=TWO_RATES,
        ksef_number="6340197497-20261105-0100A0B1C2D3-4E",
    )
    _owe(unit, Decimal("189.50"))  # unpaid: a settled invoice has no QR (test_settled_invoices.py)
    client.force_login(owner)
    response = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="faktura-FV-123-11-2026.pdf"'
    text = _pdf_text(response.content)
    for expected in [
        "Faktura VAT",
        "FV/123/11/2026",
        "Zofia Łęcka",
        "Sprzedawca".upper(),
        "NIP: 6340197497",
        "189,50",
        "sto osiemdziesiąt dziewięć złotych",
        "50/100",
        "6340197497-20261105-0100A0B1C2D3-4E",
        "Wywóz nieczystości",
        "23%",
        "zw. (zwolnione)",
        "PL61 1090 1014 0000 0712 1981 2874",
    ]:
        assert expected in text, expected
    reader = PdfReader(io.BytesIO(response.content))
    fonts = {font.get_object()["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert all("Portal-Sans" in str(font) for font in fonts)  # DejaVu embedded by @font-face
    image = reader.pages[0].images[0]
    out = io.BytesIO()
    image.image.save(out, format="PNG")
    fields = decode_qr(out.getvalue(), tmp_path).split("|")
    assert fields[2] == unit.bank_account and fields[3] == "018950" and fields[5] == "Faktura FV/123/11/2026"


def test_a_rendered_pdf_is_stored_and_served_again_without_rendering(client, owner, unit, buyer, operator, monkeypatch):
    invoice = factories.InvoiceFactory(unit=unit, buyer=buyer)
    renders = []
    real_render = pdf.render_invoice_pdf
    monkeypatch.setattr(pdf, "render_invoice_pdf", lambda *a, **kw: renders.append(1) or real_render(*a, **kw))
    client.force_login(owner)
    url = f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/"
    first, second = client.get(url).content, client.get(url).content
    assert first == second and len(renders) == 1
    _dirs, files = default_storage.listdir(f"invoices/{invoice.pk}")
    assert len(files) == 1


def test_a_changed_invoice_or_seller_is_rendered_again_and_the_old_pdf_removed(
    client, owner, unit, buyer, operator, monkeypatch
):
    invoice = factories.InvoiceFactory(unit=unit, buyer=buyer)
    renders = []
    real_render = pdf.render_invoice_pdf
    monkeypatch.setattr(pdf, "render_invoice_pdf", lambda *a, **kw: renders.append(1) or real_render(*a, **kw))
    client.force_login(owner)
    url = f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/"
    client.get(url)
    InvoiceLine.objects.filter(invoice=invoice).update(name="Dostawa wody (korekta opisu)")
    assert "korekta opisu" in _pdf_text(client.get(url).content)
    operator.name = "Spółdzielnia Mieszkaniowa „Nowe Źródło”"
    operator.save()
    assert "Nowe Źródło" in _pdf_text(client.get(url).content)
    client.get(url)
    assert len(renders) == 3
    _dirs, files = default_storage.listdir(f"invoices/{invoice.pk}")
    assert len(files) == 1


def test_a_half_written_stored_pdf_is_not_served(client, owner, unit, buyer, operator):
    invoice = factories.InvoiceFactory(unit=unit, buyer=buyer)
    client.force_login(owner)
    url = f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/"
    client.get(url)
    _dirs, (name,) = default_storage.listdir(f"invoices/{invoice.pk}")
    path = f"invoices/{invoice.pk}/{name}"
    whole = default_storage.open(path).read()
    with default_storage.open(path, "wb") as fh:
        fh.write(whole[: len(whole) // 2])
    assert client.get(url).content.rstrip().endswith(b"%%EOF")


def test_a_correcting_invoice_with_a_negative_total_has_no_qr_and_says_minus(client, owner, unit, buyer, operator):
    invoice = _invoice(unit, buyer, "FK/1/2026", dt.date(2026, 3, 1), gross="-40.00")
    client.force_login(owner)
    response = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/")
    text = _pdf_text(response.content)
    assert "minus czterdzieści złotych 00/100" in text
    assert not PdfReader(io.BytesIO(response.content)).pages[0].images


def test_a_unit_without_invoices_says_so(client, owner, unit):
    client.force_login(owner)
    assert "Dla tego lokalu nie ma faktur w e-BOK." in client.get(f"/lokale/{unit.pk}/faktury/").content.decode()


def test_an_invoice_of_another_unit_of_the_same_user_is_not_found_under_this_unit(client, owner, unit, buyer):
    other_unit = factories.UnitFactory()
    owner.grants.create(unit=other_unit, since=dt.date(2010, 1, 1), source="staff")
    invoice = factories.InvoiceFactory(unit=other_unit, buyer=buyer)
    client.force_login(owner)
    assert client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/").status_code == 404
    assert client.get(f"/lokale/{other_unit.pk}/faktury/{invoice.pk}/").status_code == 200
