"""KSeF on invoices (B9): the KSeF number and the verification code KOD I on the invoice page and
PDF, and the structured XML for a business buyer, scoped like every invoice read."""

import base64
import datetime as dt
import io
import re
import subprocess

import pypdfium2
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from billing import ksef
from billing.ksef import hash_base64url, verification_url, xml_storage_name
from tests import factories

pytestmark = pytest.mark.django_db

NUMBER = "6340197497-20261105-0100A0B1C2D3-4E"
# The Ministry of Finance's example ("Kody weryfikujące QR", KOD I): its hash in standard Base64.
SPEC_HASH = "UtQp9Gpc51y+u3xApZjIjgkpZ01js+J8KflSPW8WzIE="
SPEC_LINK = "https://qr-test.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE"


@pytest.fixture
def firm(owner):
    """The owner's firm in the back-office: a buyer with a NIP (a business buyer)."""
    person = factories.PersonFactory(
        first_name="", last_name="", pesel="", company_name="Piekarnia Kłos", nip="5260250274"
    )
    owner.person = person
    owner.save(update_fields=["person"])
    return person


@pytest.fixture
def registered(unit, firm, operator):
    """An invoice registered in KSeF, its XML kept as an import keeps it."""
    return factories.InvoiceFactory(
        unit=unit,
        buyer=firm,
        number="FV/7/11/2026",
        issued_on=dt.date(2026, 11, 5),
        ksef_number=NUMBER,
        ksef_hash=factories.stored_ksef_xml(),
        xml_file="invoices/FV-7.xml",
    )


def _link(invoice) -> str:
    return f"https://qr.ksef.mf.gov.pl/invoice/6340197497/05-11-2026/{hash_base64url(invoice.ksef_hash)}"


def _zbarimg(png: bytes, tmp_path) -> list[str]:
    """Every code a real decoder (Debian's zbar-tools) finds in the image, one per line."""
    path = tmp_path / "scan.png"
    path.write_bytes(png)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, check=True)
    return out.stdout.decode("utf-8").splitlines()


# --- the link ---------------------------------------------------------------------------------


def test_the_kod_i_link_is_the_specifications_example_for_its_data(settings):
    settings.KSEF_QR_BASE_URL = "https://qr-test.ksef.mf.gov.pl"
    link = verification_url(seller_nip="1111111111", issued_on=dt.date(2026, 2, 1), ksef_hash=SPEC_HASH)
    assert link == SPEC_LINK


def test_the_hash_goes_into_the_link_in_base64url_without_padding():
    raw = bytes(range(250, 256)) * 5 + b"\xfb\xff"  # 32 bytes whose Base64 has '+' and '/'
    standard = base64.b64encode(raw).decode()
    assert "+" in standard and "/" in standard and standard.endswith("=")
    assert hash_base64url(standard) == base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_the_link_follows_the_ksef_environment_setting(settings, registered, operator):
    settings.KSEF_QR_BASE_URL = "https://qr-demo.ksef.mf.gov.pl"
    assert ksef.invoice_verification_url(registered, operator).startswith(
        "https://qr-demo.ksef.mf.gov.pl/invoice/6340197497/05-11-2026/"
    )


def test_the_production_base_is_the_default():
    assert django_settings.KSEF_QR_BASE_URL == "https://qr.ksef.mf.gov.pl"


def test_no_link_without_a_ksef_number_a_hash_or_the_sellers_nip(registered, operator):
    assert ksef.invoice_verification_url(registered, operator) == _link(registered)
    registered.ksef_hash = ""
    assert ksef.invoice_verification_url(registered, operator) == ""
    registered.ksef_hash, registered.ksef_number = SPEC_HASH, ""
    assert ksef.invoice_verification_url(registered, operator) == ""
    registered.ksef_number = NUMBER
    operator.nip = ""
    assert ksef.invoice_verification_url(registered, operator) == ""
    assert ksef.invoice_verification_url(registered, None) == ""


# --- the invoice page -------------------------------------------------------------------------


def test_the_invoice_page_shows_the_ksef_number_the_kod_i_qr_and_the_same_link_to_click(
    client, owner, unit, registered, tmp_path
):
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/{registered.pk}/").content.decode()
    link = _link(registered)
    assert f"<dd>{NUMBER}</dd>" in html
    figure = html.split('<figure class="ksef-qr">', 1)[1].split("</figure>", 1)[0]
    assert f"<figcaption>{NUMBER}</figcaption>" in figure  # the KSeF number under the code
    assert f"prowadzi pod adres {link}" in figure  # the text alternative carries the link
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', figure).group(1))
    assert _zbarimg(png, tmp_path) == [link]
    assert f'<a class="ksef-link" href="{link}" rel="noopener">{link}</a>' in html


def test_an_invoice_outside_ksef_has_no_verification_code(client, owner, unit, firm, operator):
    invoice = factories.InvoiceFactory(unit=unit, buyer=firm)
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/").content.decode()
    assert "Numer KSeF" not in html and "ksef-qr" not in html and "qr.ksef.mf.gov.pl" not in html


# --- the PDF ----------------------------------------------------------------------------------


def test_the_kod_i_decoded_from_the_printed_pdf_is_exactly_the_link_of_the_known_hash(
    client, owner, unit, firm, operator, tmp_path
):
    known = factories.stored_ksef_xml(b"<Faktura>KOD I</Faktura>")
    invoice = factories.InvoiceFactory(
        unit=unit, buyer=firm, issued_on=dt.date(2026, 11, 5), ksef_number=NUMBER, ksef_hash=known
    )
    client.force_login(owner)
    response = client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    page = pypdfium2.PdfDocument(response.content)[0]
    image = page.render(scale=200 / 72).to_pil()  # the page as printed, at 200 dpi
    out = io.BytesIO()
    image.save(out, format="PNG")
    expected = f"https://qr.ksef.mf.gov.pl/invoice/6340197497/05-11-2026/{hash_base64url(known)}"
    assert "+" not in expected.rsplit("/", 1)[1] and "=" not in expected
    assert expected in _zbarimg(out.getvalue(), tmp_path)
    text = " ".join(page.get_textpage().get_text_range().split())
    assert NUMBER in text and expected in text.replace(" ", "")


def test_a_new_environment_or_hash_renders_the_stored_pdf_again(client, owner, unit, registered, settings, tmp_path):
    client.force_login(owner)
    url = f"/lokale/{unit.pk}/faktury/{registered.pk}/pdf/"
    first = client.get(url).content
    settings.KSEF_QR_BASE_URL = "https://qr-test.ksef.mf.gov.pl"
    second = client.get(url).content
    assert first != second
    assert "https://qr-test.ksef.mf.gov.pl/invoice/" in "".join(_pdf_text(second).split())


def _pdf_text(content: bytes) -> str:
    return " ".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(content))


# --- the XML ----------------------------------------------------------------------------------


def test_a_business_buyer_downloads_the_structured_xml_from_the_invoice_page(client, owner, unit, registered):
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/{registered.pk}/").content.decode()
    url = f"/lokale/{unit.pk}/faktury/{registered.pk}/xml/"
    assert f'href="{url}"' in html and "Pobierz XML (KSeF)" in html
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == factories.KSEF_XML
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == 'attachment; filename="faktura-FV-7-11-2026.xml"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_buyer_without_a_nip_gets_no_xml_link_and_a_404(client, owner, unit, registered):
    registered.buyer.nip = ""
    registered.buyer.save(update_fields=["nip"])
    client.force_login(owner)
    html = client.get(f"/lokale/{unit.pk}/faktury/{registered.pk}/").content.decode()
    assert "/xml/" not in html and "Pobierz XML" not in html
    assert client.get(f"/lokale/{unit.pk}/faktury/{registered.pk}/xml/").status_code == 404


def test_an_invoice_whose_bundle_had_no_xml_offers_none(client, owner, unit, firm, operator):
    invoice = factories.InvoiceFactory(unit=unit, buyer=firm, ksef_number=NUMBER, ksef_hash=SPEC_HASH)
    client.force_login(owner)
    assert "Pobierz XML" not in client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/").content.decode()
    assert client.get(f"/lokale/{unit.pk}/faktury/{invoice.pk}/xml/").status_code == 404


def test_another_tenant_gets_404_for_the_xml(client, stranger, unit, registered):
    client.force_login(stranger)
    assert client.get(f"/lokale/{unit.pk}/faktury/{registered.pk}/xml/").status_code == 404
    own_unit = stranger.grants.get().unit
    assert client.get(f"/lokale/{own_unit.pk}/faktury/{registered.pk}/xml/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, unit, registered):
    response = client.get(f"/lokale/{unit.pk}/faktury/{registered.pk}/xml/")
    assert response.status_code == 302 and f"/faktury/{registered.pk}/xml/" in response["Location"]


def test_a_stored_xml_changed_on_the_disk_is_not_served(client, owner, unit, registered):
    name = xml_storage_name(registered.ksef_hash)
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"<Faktura>podmieniona</Faktura>"))
    client.force_login(owner)
    assert client.get(f"/lokale/{unit.pk}/faktury/{registered.pk}/xml/").status_code == 404
    default_storage.delete(name)
    assert client.get(f"/lokale/{unit.pk}/faktury/{registered.pk}/xml/").status_code == 404


def test_the_demo_shows_ksef_numbers_verification_codes_and_xmls(client, settings, tmp_path):
    from django.core.management import call_command
    from django.urls import reverse

    from accounts.models import User
    from accounts.selectors import units_for_user
    from billing.models import Invoice

    settings.BUNDLE_INBOX = tmp_path / "bundles" / "inbox"
    call_command("seed_demo")
    tenant = User.objects.get(username="demo.lokator")
    client.force_login(tenant)
    flat = next(unit for unit in units_for_user(tenant) if unit.invoices.filter(number__endswith="/DEMO").exists())
    invoice = flat.invoices.order_by("-issued_on").first()
    html = client.get(reverse("billing:invoice", args=[flat.pk, invoice.pk])).content.decode()
    assert invoice.ksef_number and f"<figcaption>{invoice.ksef_number}</figcaption>" in html
    assert f"https://qr.ksef.mf.gov.pl/invoice/6490001234/{invoice.issued_on:%d-%m-%Y}/" in html
    firms = Invoice.objects.exclude(xml_file="").exclude(buyer__nip="")  # the commercial units' invoices
    assert firms.exists()
    assert all(ksef.invoice_xml_bytes(invoice.ksef_hash) for invoice in firms)
