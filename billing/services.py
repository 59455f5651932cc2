"""Writes of the money pages: e-mailing new invoices (B4) and documents (B5) to the
users who consented, after each import. Safe to run twice: each e-mail has a
dedup key (one per invoice or document and user), and a mark says how far it got."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet

from accounts.models import User
from billing.models import DispatchMark, Document, DocumentRead, Invoice
from billing.pdf import invoice_pdf, invoice_pdf_filename
from portal.links import absolute_reverse
from portal.models import Operator
from portal.services.mail import email_queue

logger = logging.getLogger(__name__)

BATCH = 50  # rows per transaction: a crash keeps what was done, the rest waits for the next run


def _recipients(person_ids: Iterable[str], consent: str) -> dict[str, list[User]]:
    """Accounts of these back-office persons that consented (and are open), by person id.

    A blocked account still gets them: e-invoices are how that person receives invoices
    at all while the consent stands; a closed account has withdrawn every consent."""
    users = (
        User.objects.filter(person__external_id__in=set(person_ids), is_active=True, closed_at__isnull=True)
        .filter(**{consent: True})
        .exclude(email="")
        .select_related("person")
        .order_by("pk")
    )
    by_person: dict[str, list[User]] = defaultdict(list)
    for user in users:
        if user.person is not None:  # always: the query picked users by their person
            by_person[user.person.external_id].append(user)
    return by_person


def _locked_mark(kind: str, model: type[Invoice] | type[Document]) -> tuple[DispatchMark, bool]:
    """The mark of ``kind``, locked; a missing one starts at the rows present (returns created=True)."""
    mark = DispatchMark.objects.select_for_update().filter(kind=kind).first()
    if mark is not None:
        return mark, False
    top = model.objects.aggregate(top=Max("pk"))["top"] or 0
    try:
        with transaction.atomic():
            DispatchMark.objects.create(kind=kind, last_pk=top)
    except IntegrityError:
        pass  # another run created it at the same moment
    return DispatchMark.objects.select_for_update().get(kind=kind), True


@dataclass
class DispatchResult:
    rows: int = 0  # new rows looked at
    emails: int = 0  # e-mails queued (a repeated run counts the ones it found queued already)


Mailed = Invoice | Document


@dataclass(frozen=True)
class Mailing:
    """One kind of back-office row e-mailed, as a PDF, to the accounts of the person it is
    addressed to that consented: new invoices (B4) and new letters (B5) differ only here."""

    kind: str  # its DispatchMark
    model: type[Invoice] | type[Document]
    person_field: str  # the row's foreign key to the person it is addressed to
    consent: str  # the account's consent that lets it go
    template: str
    related: tuple[str, ...]  # what the e-mail and the PDF read of the row (select_related)
    url: Callable[[Any], str]  # the row's page in the portal
    pdf: Callable[[Any, Operator | None], tuple[str, bytes] | None]  # file name and content; None: cannot go

    @property
    def name(self) -> str:
        return self.model._meta.model_name or ""

    def new_rows(self, after: int, upto: int) -> QuerySet[Any]:
        """Rows past the mark that at least one open account of their person consented to."""
        accounts = f"{self.person_field}__accounts__"
        return (
            self.model.objects.filter(pk__gt=after, pk__lte=upto)
            .filter(**{accounts + self.consent: True, accounts + "closed_at__isnull": True})
            .distinct()
            .select_related(*self.related)
        )

    def person_of(self, row: Mailed) -> str:
        return str(getattr(row, f"{self.person_field}_id"))

    def send(self, row: Mailed, user: User, operator: Operator | None) -> None:
        attachment = self.pdf(row, operator)
        if attachment is None:
            return
        filename, content = attachment
        email_queue(
            to=[user.email],
            template=self.template,
            context={"user": user, self.name: row, "operator": operator, "url": self.url(row)},
            attachments=[(filename, content, "application/pdf")],
            user=user,
            dedup_key=f"{self.name}:{row.pk}:user:{user.pk}",
        )


def mailing_dispatch(mailing: Mailing) -> DispatchResult:
    """E-mail every row of ``mailing`` imported since the last run to the accounts that
    consented; once per row and account (the dedup key), resumable after a crash (the mark)."""
    result = DispatchResult()
    model = mailing.model
    top = model.objects.aggregate(top=Max("pk"))["top"] or 0
    operator = Operator.current()
    while True:
        with transaction.atomic():
            mark, created = _locked_mark(mailing.kind, model)
            if created or mark.last_pk >= top:
                return result
            batch: list[Mailed] = list(mailing.new_rows(mark.last_pk, top).order_by("pk")[:BATCH])
            if not batch:
                mark.last_pk = top
                mark.save(update_fields=["last_pk", "updated_at"])
                return result
            recipients = _recipients((mailing.person_of(row) for row in batch), mailing.consent)
            for row in batch:
                for user in recipients.get(mailing.person_of(row), []):
                    mailing.send(row, user, operator)
                    result.emails += 1
            result.rows += len(batch)
            mark.last_pk = batch[-1].pk
            mark.save(update_fields=["last_pk", "updated_at"])


def _invoice_pdf(invoice: Invoice, operator: Operator | None) -> tuple[str, bytes]:
    return invoice_pdf_filename(invoice), invoice_pdf(invoice, operator=operator)


def _document_pdf(document: Document, operator: Operator | None) -> tuple[str, bytes] | None:
    try:
        with default_storage.open(document.file.name, "rb") as fh:
            return document_filename(document), fh.read()
    except OSError:
        # Without its file the letter cannot go; the rest of the batch still does.
        logger.error("document %s: file %s missing, not e-mailed", document.pk, document.file.name)
        return None


INVOICES = Mailing(
    kind=DispatchMark.Kind.INVOICES,
    model=Invoice,
    person_field="buyer",
    consent="consent_e_invoice",
    template="invoice_new",
    related=("unit__building", "buyer"),
    url=lambda invoice: absolute_reverse("billing:invoice", invoice.unit.pk, invoice.pk),
    pdf=_invoice_pdf,
)

DOCUMENTS = Mailing(
    kind=DispatchMark.Kind.DOCUMENTS,
    model=Document,
    person_field="person",
    consent="consent_e_correspondence",
    template="document_new",
    related=(),
    url=lambda _document: absolute_reverse("billing:documents"),
    pdf=_document_pdf,
)


def invoices_email_new() -> DispatchResult:
    """E-mail every invoice imported since the last run, with its PDF, to the accounts of
    its buyer that consented to e-invoices (B4); once per invoice and account."""
    return mailing_dispatch(INVOICES)


def documents_email_new() -> DispatchResult:
    """E-mail every document imported since the last run, as PDF, to the accounts of its
    addressee that consented to e-correspondence (B5); once per document and account."""
    return mailing_dispatch(DOCUMENTS)


def document_mark_read(*, user: User, document: Document) -> None:
    """Remember that ``user`` opened ``document`` (the list shows it as read); once per user."""
    # Two downloads at once: the unique constraint keeps one mark, the other insert is skipped.
    DocumentRead.objects.bulk_create([DocumentRead(user=user, document=document)], ignore_conflicts=True)


def document_reads_prune() -> int:
    """Forget read marks of documents the back-office no longer sends (the import deletes in SQL)."""
    gone = DocumentRead.objects.exclude(document_id__in=Document.objects.values("external_id"))
    return gone.delete()[0]


def document_filename(document: Document) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in document.title)[:60].strip("-")
    return f"{document.issued_on:%Y-%m-%d}-{safe or 'dokument'}.pdf"


def invoice_pdfs_prune() -> int:
    """Remove stored PDFs of invoices the back-office no longer sends; returns how many folders went."""
    from billing.pdf import INVOICE_DIR

    try:
        folders, _files = default_storage.listdir(INVOICE_DIR)
    except (FileNotFoundError, NotImplementedError):
        return 0
    ids = {int(name) for name in folders if name.isdigit()}
    if not ids:
        return 0
    gone = ids - set(Invoice.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for pk in gone:
        _subdirs, files = default_storage.listdir(f"{INVOICE_DIR}/{pk}")
        for name in files:
            default_storage.delete(f"{INVOICE_DIR}/{pk}/{name}")
    return len(gone)


def after_import() -> dict[str, int]:
    """What follows a successful import for tenants: mail new invoices and documents,
    forget PDFs of invoices that are gone."""
    invoices = invoices_email_new()
    documents = documents_email_new()
    pruned = invoice_pdfs_prune()
    document_reads_prune()
    return {
        "invoices": invoices.rows,
        "invoice_emails": invoices.emails,
        "documents": documents.rows,
        "document_emails": documents.emails,
        "pdfs_pruned": pruned,
    }
