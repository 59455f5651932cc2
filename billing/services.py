"""Writes of the money pages: e-mailing new invoices (B4) and documents (B5) to the
users who consented, after each import. Safe to run twice: each e-mail has a
dedup key (one per invoice or document and user), and a mark says how far it got."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Model, QuerySet
from django.urls import reverse

from accounts.models import User
from billing.models import DispatchMark, Document, DocumentRead, Invoice
from billing.pdf import invoice_pdf, invoice_pdf_filename
from portal.links import absolute_url
from portal.models import Operator
from portal.services.mail import email_queue

logger = logging.getLogger(__name__)

BATCH = 50  # rows per transaction: a crash keeps what was done, the rest waits for the next run


def _absolute(path: str) -> str:
    return absolute_url(path)


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
        by_person[user.person.external_id].append(user)
    return by_person


def _locked_mark(kind: str, model: type[Model]) -> tuple[DispatchMark, bool]:
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


def _dispatch(
    *,
    kind: str,
    model: type[Model],
    candidates: Callable[[int, int], QuerySet],
    person_of: Callable[[Model], str],
    consent: str,
    send: Callable[[Model, User, Operator | None], None],
) -> DispatchResult:
    result = DispatchResult()
    top = model.objects.aggregate(top=Max("pk"))["top"] or 0
    operator = Operator.current()
    while True:
        with transaction.atomic():
            mark, created = _locked_mark(kind, model)
            if created or mark.last_pk >= top:
                return result
            batch = list(candidates(mark.last_pk, top).order_by("pk")[:BATCH])
            if not batch:
                mark.last_pk = top
                mark.save(update_fields=["last_pk", "updated_at"])
                return result
            recipients = _recipients((person_of(row) for row in batch), consent)
            for row in batch:
                for user in recipients.get(person_of(row), []):
                    send(row, user, operator)
                    result.emails += 1
            result.rows += len(batch)
            mark.last_pk = batch[-1].pk
            mark.save(update_fields=["last_pk", "updated_at"])


def invoices_email_new() -> DispatchResult:
    """E-mail every invoice imported since the last run, with its PDF, to the accounts of
    its buyer that consented to e-invoices (B4); once per invoice and account."""

    def candidates(after: int, upto: int) -> QuerySet:
        return (
            Invoice.objects.filter(pk__gt=after, pk__lte=upto)
            .filter(buyer__accounts__consent_e_invoice=True, buyer__accounts__closed_at__isnull=True)
            .distinct()
            .select_related("unit__building", "buyer")
        )

    return _dispatch(
        kind=DispatchMark.Kind.INVOICES,
        model=Invoice,
        candidates=candidates,
        person_of=lambda invoice: invoice.buyer_id,
        consent="consent_e_invoice",
        send=_send_invoice,
    )


def _send_invoice(invoice: Invoice, user: User, operator: Operator | None) -> None:
    email_queue(
        to=[user.email],
        template="invoice_new",
        context={
            "user": user,
            "invoice": invoice,
            "operator": operator,
            "url": _absolute(reverse("billing:invoice", args=[invoice.unit.pk, invoice.pk])),
        },
        attachments=[(invoice_pdf_filename(invoice), invoice_pdf(invoice, operator=operator), "application/pdf")],
        user=user,
        dedup_key=f"invoice:{invoice.pk}:user:{user.pk}",
    )


def documents_email_new() -> DispatchResult:
    """E-mail every document imported since the last run, as PDF, to the accounts of its
    addressee that consented to e-correspondence (B5); once per document and account."""

    def candidates(after: int, upto: int) -> QuerySet:
        return (
            Document.objects.filter(pk__gt=after, pk__lte=upto)
            .filter(person__accounts__consent_e_correspondence=True, person__accounts__closed_at__isnull=True)
            .distinct()
        )

    return _dispatch(
        kind=DispatchMark.Kind.DOCUMENTS,
        model=Document,
        candidates=candidates,
        person_of=lambda document: document.person_id,
        consent="consent_e_correspondence",
        send=_send_document,
    )


def _send_document(document: Document, user: User, operator: Operator | None) -> None:
    dedup_key = f"document:{document.pk}:user:{user.pk}"
    try:
        with default_storage.open(document.file.name, "rb") as fh:
            content = fh.read()
    except OSError:
        # Without its file the letter cannot go; the rest of the batch still does.
        logger.error("document %s: file %s missing, not e-mailed", document.pk, document.file.name)
        return
    email_queue(
        to=[user.email],
        template="document_new",
        context={
            "user": user,
            "document": document,
            "operator": operator,
            "url": _absolute(reverse("billing:documents")),
        },
        attachments=[(document_filename(document), content, "application/pdf")],
        user=user,
        dedup_key=dedup_key,
    )


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
