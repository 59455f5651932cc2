"""Factories for the object graphs tests need. Polish data, valid checksums."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import UnitGrant, User
from billing.models import Building, Person, Title, Unit

PASSWORD = "Haslo2026bezpieczne"


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    street = factory.Sequence(lambda n: f"ul. Źródlana {n}")
    building_no = factory.Sequence(lambda n: str(n + 1))
    postal_code = "42-400"
    city = "Zawiercie"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    external_id = factory.Sequence(lambda n: f"U{n:07d}")
    building = factory.SubFactory(BuildingFactory)
    kind = Unit.Kind.FLAT
    unit_no = factory.Sequence(lambda n: str(n + 1))
    area_m2 = Decimal("52.40")
    extra_area_m2 = Decimal("3.10")
    occupants = 2
    bank_account = "61109010140000071219812874"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    external_id = factory.Sequence(lambda n: f"P{n:07d}")
    first_name = "Zofia"
    last_name = factory.Sequence(lambda n: f"Łęcka-{n}")
    pesel = "44051401458"
    email = factory.Sequence(lambda n: f"osoba{n}@example.test")


class TitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Title

    external_id = factory.Sequence(lambda n: f"T{n:07d}")
    unit = factory.SubFactory(UnitFactory)
    person = factory.SubFactory(PersonFactory)
    kind = Title.Kind.OWNERSHIP
    valid_from = dt.date(2010, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"lokator{n:05d}")
    email = factory.Sequence(lambda n: f"lokator{n}@example.test")
    first_name = "Jan"
    last_name = factory.Sequence(lambda n: f"Kowalski-{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class TenantFactory(UserFactory):
    """A tenant with an active grant to each of ``units``."""

    @factory.post_generation
    def units(obj, create, extracted, **kwargs):
        for unit in extracted or []:
            UnitGrant.objects.create(user=obj, unit=unit, since=dt.date(2010, 1, 1), source=UnitGrant.Source.STAFF)


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"obsluga{n:03d}")
    is_staff = True
    is_superuser = True

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        if create:
            TOTPDevice.objects.create(user=obj, name="telefon", confirmed=True)


# --- tickets (issue 7) ----------------------------------------------------------------------

from django.utils import timezone as _tz  # noqa: E402

from tickets.models import Announcement, DownloadForm, Newsletter, Ticket, hash_secret  # noqa: E402

TICKET_SECRET = "ABCDE-23456"


class TicketFactory(factory.django.DjangoModelFactory):
    """A message from a tenant (pass ``reporter``/``unit``), code ``TICKET_SECRET``."""

    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: f"ZGL/2020/{n + 1:06d}")
    kind = Ticket.Kind.MESSAGE
    reporter = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"Sprawa nr {n}")
    description = "Proszę o informację w sprawie rozliczenia wody."
    secret_hash = factory.LazyFunction(lambda: hash_secret(TICKET_SECRET))


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"Przerwa w dostawie wody {n}")
    body = "W związku z awarią sieci nastąpi przerwa w dostawie wody."
    valid_from = factory.LazyFunction(lambda: _tz.now() - dt.timedelta(hours=1))
    valid_until = factory.LazyFunction(lambda: _tz.now() + dt.timedelta(days=2))
    for_all = True


class DownloadFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DownloadForm

    title = factory.Sequence(lambda n: f"Wniosek o zmianę liczby osób {n}")
    description = "Druk do złożenia w biurze obsługi."
    file = factory.django.FileField(filename="wniosek.pdf", data=b"%PDF-1.4\n%%EOF\n")
    size = 15


class NewsletterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Newsletter

    subject = factory.Sequence(lambda n: f"Wieści ze spółdzielni nr {n}")
    body = "Zapraszamy na zebranie mieszkańców."


# --- accounts (issue 3) -------------------------------------------------------------------


def _now():
    from django.utils import timezone

    return timezone.now()


class TermsVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.TermsVersion"

    version = factory.Sequence(lambda n: f"{n + 1}.0")
    text = "§ 1. Regulamin określa zasady korzystania z e-BOK. Zażółć gęślą jaźń."
    published_at = factory.LazyFunction(_now)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A confirmed application waiting for staff, for one unit given by address."""

    class Meta:
        model = "accounts.Application"
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"W/2026/{n + 1:06d}")
    status = "pending"
    first_name = "Zofia"
    last_name = factory.Sequence(lambda n: f"Wnioskująca-{n}")
    email = factory.Sequence(lambda n: f"wnioskodawca{n}@example.test")
    phone = "600 123 456"
    title_kind = Title.Kind.OWNERSHIP
    email_confirmed_at = factory.LazyFunction(_now)

    @factory.post_generation
    def units(obj, create, extracted, **kwargs):
        """``units=[unit, …]``: requested by address and already matched to these units."""
        from accounts.models import ApplicationUnit

        for unit in extracted or []:
            ApplicationUnit.objects.create(
                application=obj,
                street=unit.building.street,
                building_no=unit.building.building_no,
                unit_no=unit.unit_no,
                unit=unit,
            )


# --- sync (issue 4): meters and readings, as the nightly import and tenants make them ------------

from django.utils import timezone  # noqa: E402

from meters.models import Meter, Reading  # noqa: E402


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    external_id = factory.Sequence(lambda n: f"M{n:07d}")
    unit = factory.SubFactory(UnitFactory)
    medium = Meter.Medium.COLD_WATER
    serial_no = factory.Sequence(lambda n: f"SN{n:08d}")
    installed_on = dt.date(2020, 3, 1)
    legalization_valid_until = dt.date(2028, 3, 1)
    initial_value = Decimal("0.000")


class TenantReadingFactory(factory.django.DjangoModelFactory):
    """A reading a tenant submitted in the portal, waiting for the back-office's confirmation."""

    class Meta:
        model = Reading

    reading_id = factory.LazyFunction(Reading.issue_portal_id)
    meter = factory.SubFactory(MeterFactory)
    read_on = dt.date(2026, 11, 15)
    value = Decimal("123.456")
    source = Reading.Source.TENANT
    status = Reading.Status.WAITING
    submitted_at = factory.LazyFunction(timezone.now)


# --- meters (issue 6): back-office readings -----------------------------------------------------


class ReadingFactory(factory.django.DjangoModelFactory):
    """A reading the back-office holds (a collector's by default), confirmed."""

    class Meta:
        model = Reading

    reading_id = factory.Sequence(lambda n: f"R{n:09d}")
    meter = factory.SubFactory(MeterFactory)
    read_on = dt.date(2026, 1, 1)
    value = Decimal("10.000")
    source = Reading.Source.COLLECTOR
    status = Reading.Status.CONFIRMED


# --- tenant self-service (issue 5): ledger, invoices, documents, operator ------------------------

from billing.models import Document, Invoice, InvoiceLine, LedgerEntry  # noqa: E402
from portal.models import Operator  # noqa: E402

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator

    name = "Spółdzielnia Mieszkaniowa „Źródło” w Zawierciu"
    short_name = "SM Źródło"
    street = "ul. Marszałkowska 12"
    postal_code = "42-400"
    city = "Zawiercie"
    nip = "6340197497"
    bank_account = "61109010140000071219812874"
    email = "bok@sm-zrodlo.example.pl"
    phone = "32 672 00 00"


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """A charge of 100 zł on 1 Jan 2026 unless told otherwise (``unit`` is required)."""

    class Meta:
        model = LedgerEntry

    external_id = factory.Sequence(lambda n: f"E{n:09d}")
    booked_on = dt.date(2026, 1, 1)
    due_on = factory.LazyAttribute(lambda o: o.booked_on + dt.timedelta(days=14) if o.kind == "charge" else None)
    kind = LedgerEntry.Kind.CHARGE
    component = "eksploatacja"
    description = factory.LazyAttribute(lambda o: f"Naliczenie {o.component} {o.booked_on:%m/%Y}")
    amount = Decimal("100.00")


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An invoice with one 8% line whose totals agree (``unit`` and ``buyer`` are required)."""

    class Meta:
        model = Invoice
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"I{n:08d}")
    number = factory.Sequence(lambda n: f"FV/{n + 1}/11/2026")
    issued_on = dt.date(2026, 11, 5)
    sale_date = dt.date(2026, 10, 31)
    due_on = dt.date(2026, 11, 25)
    net = Decimal("254.23")
    vat = Decimal("20.34")
    gross = Decimal("274.57")

    @factory.post_generation
    def lines(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [
                {
                    "name": "Dostawa wody i odprowadzanie ścieków",
                    "quantity": Decimal("12.500"),
                    "measure_unit": "m3",
                    "unit_net_price": Decimal("20.34"),
                    "vat_rate": "8",
                    "net": obj.net,
                    "vat": obj.vat,
                    "gross": obj.gross,
                }
            ]
        for number, line in enumerate(extracted, start=1):
            InvoiceLine.objects.create(invoice=obj, line_no=number, **line)


class DocumentFactory(factory.django.DjangoModelFactory):
    """A letter to ``person`` (required), stored as a small PDF."""

    class Meta:
        model = Document

    external_id = factory.Sequence(lambda n: f"D{n:08d}")
    title = factory.Sequence(lambda n: f"Zawiadomienie o zmianie opłat nr {n}")
    issued_on = dt.date(2026, 11, 10)
    file = factory.django.FileField(filename="pismo.pdf", data=MINIMAL_PDF)
    sha256 = "0" * 64
    size = len(MINIMAL_PDF)


KSEF_XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<Faktura><Fa><P_2>FV/1/11/2026</P_2></Fa></Faktura>\n'


def stored_ksef_xml(content: bytes = KSEF_XML) -> str:
    """Keep ``content`` in the private storage as an import keeps an invoice's KSeF XML; its ksef_hash."""
    import base64
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from billing.ksef import xml_storage_name

    ksef_hash = base64.b64encode(hashlib.sha256(content).digest()).decode()
    if not default_storage.exists(xml_storage_name(ksef_hash)):
        default_storage.save(xml_storage_name(ksef_hash), ContentFile(content))
    return ksef_hash
