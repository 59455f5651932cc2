"""Issue 5, done when: in Chromium a tenant sees a balance equal to the ledger's sum, filters
a period, downloads an invoice PDF, switches e-invoices on, and after an import with a new
invoice finds it, PDF attached, in the real SMTP server's inbox (sent by the real worker)."""

import datetime as dt
import io

import pytest
from django.db.models import Sum
from pypdf import PdfReader

from billing.models import DispatchMark, Invoice, LedgerEntry, Person, Unit
from portal.formats import format_amount
from sync.models import ImportRun
from sync.services import bundle_import
from tests.factories import PASSWORD, OperatorFactory, TenantFactory
from tests.realparts import wait_until
from tests.sync.bundles import EXAMPLE, Bundle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pdf_text(content: bytes) -> str:
    """The text with every run of white space (non-breaking ones too) as one space."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def _plain(text: str) -> str:
    return " ".join(text.split())


def _delta_with_new_invoice(tmp_path) -> Bundle:
    delta = Bundle.example(tmp_path, "delta").as_delta("EX-DELTA-E2E", 2)
    for stem in ("units", "persons", "titles", "ledger", "meters", "readings"):
        header, _rows = delta.rows(stem)
        delta.write(stem, header, [])
    delta.write("deletions", ["entity", "id"], [])
    header, _rows = delta.rows("invoices")
    delta.write(
        "invoices",
        header,
        [
            [
                "I-E2E-1",
                "U0000001",
                "FV/77/12/2026",
                "2026-12-05",
                "2026-11-30",
                "2026-12-28",
                "P0000001",
                "100,00",
                "8,00",
                "108,00",
                "",
            ]
        ],
    )
    header, _rows = delta.rows("invoice_lines")
    delta.write(
        "invoice_lines",
        header,
        [["I-E2E-1", "1", "Dostawa wody", "10,000", "m3", "10,00", "8", "100,00", "8,00", "108,00"]],
    )
    return delta


def test_tenant_balance_filter_invoice_pdf_consent_and_emailed_invoice(
    page, live_server, smtp, celery_worker, settings, tmp_path
):
    settings.PORTAL_BASE_URL = live_server.url
    settings.BUNDLE_OUTBOX = tmp_path / "outbox"
    OperatorFactory()
    first = bundle_import(path=EXAMPLE)
    assert first.status == ImportRun.Status.IMPORTED, first.message
    # The worker handles the first import's follow-up: what is there now is history, never mailed.
    wait_until(lambda: DispatchMark.objects.filter(kind=DispatchMark.Kind.INVOICES).exists(), message="history mark")
    unit = Unit.objects.get(external_id="U0000001")
    person = Person.objects.get(external_id="P0000001")
    user = TenantFactory(units=[unit], person=person, email="lukasz.mazur@example.test", first_name="Łukasz")
    base = page.base_url

    # 1. Log in: the dashboard shows the unit with a balance equal to the ledger's sum.
    page.goto(base + "/logowanie/")
    page.get_by_label("Login (identyfikator)").fill(user.username)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.get_by_role("heading", name="Twoje lokale").wait_for()
    ledger_sum = LedgerEntry.objects.filter(unit=unit).aggregate(s=Sum("amount"))["s"]
    card = page.locator(".unit-card").filter(has_text=str(unit))
    balance_text = card.locator(".balance").inner_text()
    words = "do zapłaty" if ledger_sum > 0 else "nadpłata" if ledger_sum < 0 else "rozliczone"
    assert words in balance_text and _plain(format_amount(abs(ledger_sum))) in _plain(balance_text)
    assert "Dane według stanu na 20.11.2026 23:00" in page.locator("main").inner_text()

    # 2. The unit page; filter a period (March–May 2025, payments only).
    card.get_by_role("link", name="Kartoteka i płatności").click()
    page.get_by_role("heading", name="Kartoteka: naliczenia, wpłaty, odsetki i korekty").wait_for()
    page.get_by_label("Od dnia").fill("2025-03-01")
    page.get_by_label("Do dnia").fill("2025-05-31")
    page.get_by_label("Rodzaj zapisu").select_option("wplaty")
    page.get_by_role("button", name="Pokaż").click()
    page.wait_for_url("**od=2025-03-01**")
    expected = LedgerEntry.objects.filter(
        unit=unit, booked_on__range=(dt.date(2025, 3, 1), dt.date(2025, 5, 31)), kind="payment"
    ).count()
    assert expected > 0
    assert page.locator(".ledger-table tbody tr").count() == expected
    assert page.locator(".ledger-table tbody tr.ledger-charge").count() == 0

    # 3. Download the invoice PDF: its text holds the number, the buyer and the gross amount.
    invoice = Invoice.objects.get(unit=unit)
    page.get_by_role("link", name="Faktury", exact=True).first.click()
    page.get_by_role("heading", name="Faktury").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Pobierz {invoice.number}").click()
    download = download_info.value
    assert download.suggested_filename == f"faktura-{invoice.number.replace('/', '-')}.pdf"
    with open(download.path(), "rb") as fh:
        text = _pdf_text(fh.read())
    assert invoice.number in text and "Łukasz Mazur" in text and _plain(format_amount(invoice.gross)) in text

    # 4. Switch e-invoices on in the profile.
    page.goto(base + "/konto/")
    page.get_by_label("E-faktura: faktury wyłącznie e-mailem i w e-BOK").check()
    page.get_by_role("button", name="Zapisz").click()
    page.get_by_text("Zapisano zmiany zgód i powiadomień.").wait_for()
    user.refresh_from_db()
    assert user.consent_e_invoice

    # 5. The next import brings a new invoice: it arrives by e-mail with its PDF.
    second = bundle_import(path=_delta_with_new_invoice(tmp_path).path)
    assert second.status == ImportRun.Status.IMPORTED, second.message
    (message,) = [m for m in smtp.wait_for(1, timeout=60) if "FV/77/12/2026" in m["Subject"]]
    assert message["To"] == "lukasz.mazur@example.test"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "faktura-FV-77-12-2026.pdf"
    assert attachment.get_content_type() == "application/pdf"
    attached = _pdf_text(attachment.get_content())
    assert "FV/77/12/2026" in attached and "Łukasz Mazur" in attached and "108,00" in attached
    # The old invoice (history) was not mailed.
    assert not [m for m in smtp.messages if invoice.number in m["Subject"]]


@pytest.mark.parametrize("path", ["/", "/lokale/{unit}/", "/lokale/{unit}/faktury/", "/lokale/{unit}/zestawienie/"])
def test_tenant_money_pages_fit_a_360_px_phone(phone_page, path):
    bundle_import(path=EXAMPLE)
    unit = Unit.objects.get(external_id="U0000001")
    user = TenantFactory(units=[unit], person=Person.objects.get(external_id="P0000001"))
    phone_page.goto(phone_page.base_url + "/logowanie/")
    phone_page.get_by_label("Login (identyfikator)").fill(user.username)
    phone_page.get_by_label("Hasło").fill(PASSWORD)
    phone_page.get_by_role("button", name="Zaloguj się").click()
    phone_page.get_by_role("heading", name="Twoje lokale").wait_for()
    phone_page.goto(phone_page.base_url + path.format(unit=unit.pk))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
