"""E-invoices and e-correspondence by e-mail (B4, B5): after each import, new invoices and
documents go to the accounts that consented — once each, however often the task runs."""

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from billing import services
from billing.models import DispatchMark, Invoice
from portal.models import EmailMessage
from sync.models import ImportRun
from sync.outbound import export_outbound
from sync.services import bundle_import
from tests import factories
from tests.factories import MINIMAL_PDF
from tests.sync.bundles import EXAMPLE, Bundle

pytestmark = pytest.mark.django_db


@pytest.fixture
def consenting(owner, buyer):
    owner.consent_e_invoice = True
    owner.consent_e_correspondence = True
    owner.save()
    return owner


def _history_mark():
    """The first run starts the marks at what is there: that is history, never mailed."""
    services.invoices_email_new()
    services.documents_email_new()


def test_new_invoices_are_emailed_once_with_the_pdf_to_consenting_buyers(consenting, unit, buyer, operator):
    old = factories.InvoiceFactory(unit=unit, buyer=buyer, number="FV/1/10/2026")
    _history_mark()
    new = factories.InvoiceFactory(unit=unit, buyer=buyer, number="FV/7/11/2026")
    result = services.invoices_email_new()
    assert (result.rows, result.emails) == (1, 1)
    message = EmailMessage.objects.get()
    assert message.to == [consenting.email] and message.user == consenting
    assert message.dedup_key == f"invoice:{new.pk}:user:{consenting.pk}"
    assert "FV/7/11/2026" in message.subject and "274,57" in message.body_text
    assert f"/lokale/{unit.pk}/faktury/{new.pk}/" in message.body_text
    attachment = message.attachments.get()
    assert attachment.filename == "faktura-FV-7-11-2026.pdf" and attachment.content_type == "application/pdf"
    assert bytes(attachment.content).startswith(b"%PDF-")
    assert old.number not in "".join(EmailMessage.objects.values_list("subject", flat=True))


def test_running_the_task_twice_sends_each_invoice_once(consenting, unit, buyer, operator):
    _history_mark()
    invoice = factories.InvoiceFactory(unit=unit, buyer=buyer)
    services.invoices_email_new()
    DispatchMark.objects.filter(kind=DispatchMark.Kind.INVOICES).update(last_pk=0)  # as if the mark were lost
    services.invoices_email_new()
    services.invoices_email_new()
    assert EmailMessage.objects.filter(dedup_key=f"invoice:{invoice.pk}:user:{consenting.pk}").count() == 1
    assert EmailMessage.objects.count() == 1


def test_only_accounts_of_the_buyer_that_consented_and_are_open_get_the_invoice(owner, co_owner, unit, buyer, operator):
    _history_mark()
    second_account = factories.UserFactory(person=buyer, consent_e_invoice=True)
    closed = factories.UserFactory(
        person=buyer, consent_e_invoice=True, closed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    co_owner.person = factories.PersonFactory()
    co_owner.consent_e_invoice = True
    co_owner.save()  # consents, but is not the buyer of this invoice
    invoice = factories.InvoiceFactory(unit=unit, buyer=buyer)
    services.invoices_email_new()
    assert set(EmailMessage.objects.values_list("user", flat=True)) == {second_account.pk}  # owner did not consent
    assert not EmailMessage.objects.filter(user__in=[closed, co_owner, owner]).exists()
    assert DispatchMark.objects.get(kind=DispatchMark.Kind.INVOICES).last_pk == invoice.pk


def test_the_first_run_ever_mails_no_history(consenting, unit, buyer, operator):
    for n in range(3):
        factories.InvoiceFactory(unit=unit, buyer=buyer, number=f"FV/{n}/2020")
    DispatchMark.objects.all().delete()
    assert services.invoices_email_new().emails == 0
    assert not EmailMessage.objects.exists()
    assert DispatchMark.objects.get(kind=DispatchMark.Kind.INVOICES).last_pk == Invoice.objects.latest("pk").pk


def test_new_documents_are_emailed_as_pdf_to_addressees_who_consented(consenting, buyer, operator):
    _history_mark()
    letter = factories.DocumentFactory(person=buyer, title="Zawiadomienie o zmianie zaliczek na c.o.")
    factories.DocumentFactory(person=factories.PersonFactory(), title="Pismo do kogoś innego")
    result = services.documents_email_new()
    assert result.emails == 1
    message = EmailMessage.objects.get()
    assert message.dedup_key == f"document:{letter.pk}:user:{consenting.pk}"
    assert "Zawiadomienie o zmianie zaliczek na c.o." in message.subject
    attachment = message.attachments.get()
    assert bytes(attachment.content) == MINIMAL_PDF
    assert attachment.filename == "2026-11-10-Zawiadomienie-o-zmianie-zaliczek-na-c-o.pdf"
    services.documents_email_new()
    assert EmailMessage.objects.count() == 1


def test_a_withdrawn_consent_stops_the_mailing_at_once(consenting, unit, buyer, operator):
    _history_mark()
    consenting.consent_e_invoice = False
    consenting.save()
    factories.InvoiceFactory(unit=unit, buyer=buyer)
    services.invoices_email_new()
    assert not EmailMessage.objects.exists()


def _import(path) -> ImportRun:
    run = bundle_import(path=path)
    assert run.status == ImportRun.Status.IMPORTED, run.message
    return run


def test_an_import_with_a_new_invoice_emails_it_to_the_consenting_buyer(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.BUNDLE_OUTBOX = tmp_path / "outbox"
    with django_capture_on_commit_callbacks(execute=True):
        _import(EXAMPLE)  # the first import: history, nobody is mailed
    person = factories.PersonFactory._meta.model.objects.get(external_id="P0000001")
    user = factories.TenantFactory(person=person, email="lukasz@example.test", consent_e_invoice=True)
    delta = Bundle.example(tmp_path, "delta").as_delta("EX-DELTA-2", 2)
    for stem in ("units", "persons", "titles", "ledger", "meters", "readings"):
        header, _rows = delta.rows(stem)
        delta.write(stem, header, [])
    delta.write("deletions", ["entity", "id"], [])
    delta.write(
        "invoices",
        delta.rows("invoices")[0],
        [
            [
                "I-NEW-1",
                "U0000001",
                "FV/99/12/2026",
                "2026-12-05",
                "2026-11-30",
                "2026-12-25",
                "P0000001",
                "10,00",
                "0,80",
                "10,80",
                "",
            ]
        ],
    )
    delta.write(
        "invoice_lines",
        delta.rows("invoice_lines")[0],
        [["I-NEW-1", "1", "Woda", "1,000", "m3", "10,00", "8", "10,00", "0,80", "10,80"]],
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _import(delta.path)
    invoice = Invoice.objects.get(external_id="I-NEW-1")
    sent = [m for m in mail.outbox if "FV/99/12/2026" in m.subject]
    assert len(sent) == 1 and sent[0].to == [user.email]
    (name, content, mimetype) = sent[0].attachments[0]
    assert name == "faktura-FV-99-12-2026.pdf" and mimetype == "application/pdf" and content.startswith(b"%PDF-")
    assert EmailMessage.objects.filter(dedup_key=f"invoice:{invoice.pk}:user:{user.pk}").count() == 1
    assert invoice.gross == Decimal("10.80")


def test_switching_e_invoices_on_in_the_profile_goes_into_the_outbound_bundle(client, owner, buyer, tmp_path):
    client.force_login(owner)
    response = client.post("/konto/", {"consent_e_invoice": "on"})
    assert response.status_code == 302
    bundle = export_outbound(directory=tmp_path)
    with open(f"{bundle.path}/consents.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["person_id"], r["e_invoice"], r["e_correspondence"]) for r in rows] == [(buyer.external_id, "1", "0")]
    client.post("/konto/", {})  # switched off again: the next bundle says so
    bundle = export_outbound(directory=tmp_path)
    with open(f"{bundle.path}/consents.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["person_id"], r["e_invoice"]) for r in rows] == [(buyer.external_id, "0")]
