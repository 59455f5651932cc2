"""Every URL pattern of the project, taken from the resolver, and a tenant's own objects to
fill their ids with: the walks over the tenant site (scoping, the forced password change,
withdrawn units) use these, so a pattern added later joins them by itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from billing.models import Unit
from chat.models import Conversation
from meters.models import ReadingSubmission
from payments.models import Payment
from tests import factories
from tests.billing.conftest import add_history
from tickets.models import TicketAttachment
from tickets.services import status_token

# The staff's site: admin's own login, second factor and permissions guard it (and the
# demo's outbox is an admin view); the tenant walks leave it to the admin tests.
STAFF_PREFIXES = ("admin/", "demo/")

PDF_BYTES = b"%PDF-1.4\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@dataclass(frozen=True)
class Route:
    name: str  # with its namespaces, as reverse() takes it: "billing:invoice_pdf"
    route: str  # "lokale/<id:unit_id>/faktury/<id:invoice_id>/pdf/"
    kwargs: tuple[str, ...]  # what the URL takes, in order

    def url(self, values: dict[str, Any]) -> str:
        return reverse(self.name, kwargs={name: values[name] for name in self.kwargs})


def _walk(patterns: list, prefix: str, namespace: str) -> list[Route]:
    routes = []
    for pattern in patterns:
        text = str(pattern.pattern)
        if (prefix + text).startswith(STAFF_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes += _walk(pattern.url_patterns, prefix + text, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"/{prefix}{text} has no name: give it one so the walks can reverse it"
            # Keyword arguments given in the pattern itself (e.g. the data export's format) are not in the URL.
            kwargs = tuple(name for name in pattern.pattern.converters)
            routes.append(Route(f"{namespace}{pattern.name}", prefix + text, kwargs))
    return routes


def tenant_site_routes() -> list[Route]:
    """Every named URL pattern of the project outside the staff's site."""
    return _walk(get_resolver().url_patterns, "", "")


def own_objects(user: User, unit: Unit) -> dict[str, Any]:
    """A unit's objects reachable by ``user`` (who holds a grant for ``unit``), as the URL
    kwargs that name them: its invoice (with its KSeF XML), the user's letter about it, its meter with a reading
    that has a photo, the user's ticket about it with an attachment and its status link, a
    payment made online for it and the user's chat conversation about it."""
    if user.person is None:
        user.person = factories.PersonFactory()
        user.save(update_fields=["person"])
    add_history(unit, months=2)
    # Bought by a firm (a NIP) and registered in KSeF with its XML: the XML download answers too.
    firm = factories.PersonFactory(first_name="", last_name="", company_name="Firma Walk", pesel="", nip="5260250274")
    invoice = factories.InvoiceFactory(
        unit=unit,
        buyer=firm,
        ksef_number="6340197497-20261105-0100A0B1C2D3-4E",
        ksef_hash=factories.stored_ksef_xml(),
        xml_file="invoices/walk.xml",
    )
    document = factories.DocumentFactory(person=user.person, unit=unit)
    meter = factories.MeterFactory(unit=unit)
    reading = factories.TenantReadingFactory(meter=meter, submitted_by=user)
    submission = ReadingSubmission(
        reading_id=reading.reading_id, idempotency_key=uuid.uuid4().hex, user=user, photo_content_type="image/jpeg"
    )
    submission.photo.save("licznik.jpg", ContentFile(JPEG_BYTES))
    ticket = factories.TicketFactory(reporter=user, unit=unit)
    attachment = TicketAttachment(ticket=ticket, original_name="skan.pdf", content_type="application/pdf", size=10)
    attachment.file.save("skan.pdf", ContentFile(PDF_BYTES))
    payment = Payment.objects.create(
        unit=unit, user=user, amount=invoice.gross, session_id=f"ebok-walk-{uuid.uuid4().hex}", state="paid"
    )
    conversation = Conversation.objects.create(tenant=user, unit=unit)
    return {
        "unit_id": unit.pk,
        "payment_id": payment.pk,
        "conversation_id": conversation.pk,
        "invoice_id": invoice.pk,
        "document_id": document.pk,
        "meter_id": meter.pk,
        "reading_pk": reading.pk,
        "ticket_id": ticket.pk,
        "attachment_id": attachment.pk,
        "token": status_token(ticket),
    }
