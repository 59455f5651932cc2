"""Back-office records of who holds which unit and what it owes (the "kartoteka").

Units, persons and legal titles live here, beside the ledger, invoices and
documents, because the back-office owns all of them and the nightly bundle
replaces them together; the portal's own accounts (``accounts.User``) only
point at them.

Every back-office row carries its back-office id (``external_id``) as a unique
natural key beside the portal's own primary key. The ledger, invoices and
documents point at units and persons by that natural key (``to_field``), as the
bundle does: the nightly import loads them set-wise without looking up portal
keys, and checks every reference itself before it commits (so these foreign
keys carry no per-row database trigger, which would cost seconds per million
ledger rows). Only the import writes these tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.fields import BackOfficeIdField
from portal.periods import Period


class Building(models.Model):
    """A building address; derived from the units' addresses on import."""

    street = models.CharField(_("ulica"), max_length=200)
    building_no = models.CharField(_("numer budynku"), max_length=20)
    postal_code = models.CharField(_("kod pocztowy"), max_length=6)
    city = models.CharField(_("miejscowość"), max_length=100)

    class Meta:
        verbose_name = _("budynek")
        verbose_name_plural = _("budynki")
        ordering = ["city", "street", "building_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "building_no", "postal_code", "city"], name="building_unique_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.street} {self.building_no}, {self.city}"


class Unit(models.Model):
    """A lokal: flat, commercial unit, garage, storage room or plot."""

    class Kind(models.TextChoices):
        FLAT = "flat", _("mieszkanie")
        COMMERCIAL = "commercial", _("lokal użytkowy")
        GARAGE = "garage", _("garaż")
        STORAGE = "storage", _("komórka")
        PLOT = "plot", _("działka")

    external_id = BackOfficeIdField(_("id w systemie źródłowym"), max_length=64, unique=True)
    building = models.ForeignKey(Building, verbose_name=_("budynek"), on_delete=models.PROTECT, related_name="units")
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind.choices)
    unit_no = models.CharField(_("numer lokalu"), max_length=20, blank=True)
    area_m2 = models.DecimalField(
        _("powierzchnia użytkowa (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    extra_area_m2 = models.DecimalField(
        _("powierzchnia pomieszczeń przynależnych (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    occupants = models.PositiveIntegerField(_("liczba osób"), null=True, blank=True)
    bank_account = models.CharField(_("rachunek do wpłat (NRB)"), max_length=26, blank=True)
    # Set when the back-office stopped sending the unit while portal data (grants,
    # tickets) still points at it: kept for those, hidden from tenants (sync/merge.py).
    withdrawn_at = models.DateTimeField(_("wycofany z systemu źródłowego"), null=True, blank=True)

    class Meta:
        verbose_name = _("lokal")
        verbose_name_plural = _("lokale")
        ordering = ["building", "unit_no"]

    def __str__(self) -> str:
        if self.unit_no:
            return f"{self.building.street} {self.building.building_no}/{self.unit_no}, {self.building.city}"
        return str(self.building)


class Person(models.Model):
    """A person or company the back-office knows (owner, tenant, buyer on invoices)."""

    external_id = BackOfficeIdField(_("id w systemie źródłowym"), max_length=64, unique=True)
    first_name = models.CharField(_("imię"), max_length=100, blank=True)
    last_name = models.CharField(_("nazwisko"), max_length=150, blank=True)
    company_name = models.CharField(_("nazwa firmy"), max_length=250, blank=True)
    pesel = models.CharField(_("PESEL"), max_length=11, blank=True, db_index=True)
    nip = models.CharField(_("NIP"), max_length=10, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    # See Unit.withdrawn_at: a person an account still points at is kept, marked.
    withdrawn_at = models.DateTimeField(_("wycofana z systemu źródłowego"), null=True, blank=True)

    class Meta:
        verbose_name = _("osoba (system źródłowy)")
        verbose_name_plural = _("osoby (system źródłowy)")
        ordering = ["last_name", "first_name", "company_name"]

    def __str__(self) -> str:
        return self.company_name or f"{self.first_name} {self.last_name}".strip()


class Title(models.Model):
    """A legal title (ownership, cooperative right, tenancy, lease) of a person to a unit."""

    class Kind(models.TextChoices):
        OWNERSHIP = "ownership", _("własność")
        COOP_OWNERSHIP = "coop_ownership", _("spółdzielcze własnościowe prawo")
        COOP_TENANCY = "coop_tenancy", _("spółdzielcze lokatorskie prawo")
        RENTAL = "rental", _("najem")
        LEASE = "lease", _("dzierżawa")

    external_id = BackOfficeIdField(_("id w systemie źródłowym"), max_length=64, unique=True)
    unit = models.ForeignKey(Unit, verbose_name=_("lokal"), on_delete=models.CASCADE, related_name="titles")
    person = models.ForeignKey(Person, verbose_name=_("osoba"), on_delete=models.CASCADE, related_name="titles")
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind.choices)
    valid_from = models.DateField(_("od"))
    valid_to = models.DateField(_("do (włącznie)"), null=True, blank=True)

    class Meta:
        verbose_name = _("tytuł prawny")
        verbose_name_plural = _("tytuły prawne")
        ordering = ["unit", "valid_from"]

    def __str__(self) -> str:
        return f"{self.person} — {self.unit} ({self.get_kind_display()})"

    # "A title is active on D" (A10): ends at the end of its ``valid_to`` day, open when empty.
    # The one definition the ORM, the SQL of the sync and Python all render (portal.periods).
    PERIOD: ClassVar[Period] = Period("valid_from", "valid_to")

    def is_active(self, on: dt.date) -> bool:
        return self.PERIOD.contains(self.valid_from, self.valid_to, on)

    @classmethod
    def active_q(cls, on: dt.date, prefix: str = "") -> Q:
        return cls.PERIOD.q(on, prefix)


class LedgerEntry(models.Model):
    """One line of a unit's kartoteka: a charge, payment, interest or correction.

    ``amount`` is signed: positive raises what the unit owes, negative lowers it.
    """

    class Kind(models.TextChoices):
        CHARGE = "charge", _("naliczenie")
        PAYMENT = "payment", _("wpłata")
        INTEREST = "interest", _("odsetki")
        CORRECTION = "correction", _("korekta")

    # Unique through Meta.constraints, not unique=True: that would add a second,
    # LIKE-only index on PostgreSQL, costly to keep on a million rows.
    external_id = BackOfficeIdField(_("id w systemie źródłowym"), max_length=64)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("lokal"),
        on_delete=models.CASCADE,
        to_field="external_id",
        db_constraint=False,
        db_index=False,  # covered by ledger_unit_booked
        related_name="ledger_entries",
    )
    booked_on = models.DateField(_("data księgowania"))
    due_on = models.DateField(_("termin płatności"), null=True, blank=True)
    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind.choices)
    component = models.CharField(_("składnik"), max_length=100)
    description = models.TextField(_("opis"), blank=True)
    amount = models.DecimalField(_("kwota"), max_digits=12, decimal_places=2)
    # A payment made online through the portal: the portal's payment id (``PAY-…``) the
    # back-office booked it under (ledger.csv ``payment_ref``); the import books that payment.
    payment_ref = models.CharField(_("płatność online (id)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("zapis w kartotece")
        verbose_name_plural = _("kartoteka (zapisy)")
        ordering = ["unit", "booked_on", "external_id"]
        indexes = [
            models.Index(fields=["unit", "booked_on"], name="ledger_unit_booked"),
            # Partial: only the few rows that name an online payment (the import's booking and a
            # late gateway notification look them up); a ledger without them indexes nothing.
            models.Index(fields=["payment_ref"], name="ledger_payment_ref", condition=~Q(payment_ref="")),
        ]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="ledger_external_id_unique")]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.get_kind_display()} {self.amount}"


class Invoice(models.Model):
    """An invoice the back-office issued for a unit; its totals equal the sums of its lines."""

    external_id = BackOfficeIdField(_("id w systemie źródłowym"), max_length=64, unique=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("lokal"),
        on_delete=models.CASCADE,
        to_field="external_id",
        db_constraint=False,
        db_index=False,  # covered by invoice_unit_issued
        related_name="invoices",
    )
    number = models.CharField(_("numer"), max_length=64)
    issued_on = models.DateField(_("data wystawienia"))
    sale_date = models.DateField(_("data sprzedaży"))
    due_on = models.DateField(_("termin płatności"))
    buyer = models.ForeignKey(
        Person,
        verbose_name=_("nabywca"),
        on_delete=models.PROTECT,
        to_field="external_id",
        db_constraint=False,
        related_name="invoices",
    )
    net = models.DecimalField(_("netto"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    gross = models.DecimalField(_("brutto"), max_digits=12, decimal_places=2)
    ksef_number = models.CharField(_("numer KSeF"), max_length=64, blank=True)
    # SHA-256 of the invoice's structured XML as sent to KSeF, standard Base64 (44 characters).
    ksef_hash = models.CharField(_("skrót KSeF (SHA-256)"), max_length=44, blank=True)
    # Where the bundle carried the invoice's structured XML (``invoices/…``); the file itself is
    # kept in the private storage under its SHA-256, which is ksef_hash (billing/ksef.py).
    xml_file = models.CharField(_("plik XML faktury (KSeF)"), max_length=255, blank=True)
    # Not columns: what billing.selectors compute with the invoice's own query for its pages
    # (outstanding: what the newer invoices leave of the unit's balance for this one).
    outstanding: Decimal
    data_as_of: dt.datetime | None

    class Meta:
        verbose_name = _("faktura")
        verbose_name_plural = _("faktury")
        ordering = ["-issued_on", "number"]
        indexes = [models.Index(fields=["unit", "issued_on"], name="invoice_unit_issued")]

    def __str__(self) -> str:
        return self.number

    @property
    def xml_downloadable(self) -> bool:
        """B9: the structured XML is offered to a business buyer (one with a NIP) when the
        back-office sent it; ``buyer`` should come with the invoice (``invoice_for_unit``)."""
        return bool(self.xml_file and self.ksef_number and self.ksef_hash and self.buyer.nip)


class InvoiceLine(models.Model):
    """A line of an invoice; ``gross = net + vat``. Lines have no id of their own: (invoice, line_no)."""

    class VatRate(models.TextChoices):
        R23 = "23", "23%"
        R8 = "8", "8%"
        R5 = "5", "5%"
        R0 = "0", "0%"
        ZW = "zw", _("zw. (zwolnione)")
        NP = "np", _("np. (nie podlega)")

    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("faktura"),
        on_delete=models.CASCADE,
        to_field="external_id",
        db_constraint=False,
        db_index=False,  # covered by invoice_line_unique_no
        related_name="lines",
    )
    line_no = models.PositiveIntegerField(_("lp."))
    name = models.CharField(_("nazwa"), max_length=250)
    quantity = models.DecimalField(_("ilość"), max_digits=14, decimal_places=3)
    measure_unit = models.CharField(_("jednostka miary"), max_length=20)
    unit_net_price = models.DecimalField(_("cena jedn. netto"), max_digits=12, decimal_places=2)
    vat_rate = models.CharField(_("stawka VAT"), max_length=2, choices=VatRate.choices)
    net = models.DecimalField(_("netto"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    gross = models.DecimalField(_("brutto"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("pozycja faktury")
        verbose_name_plural = _("pozycje faktur")
        ordering = ["invoice", "line_no"]
        constraints = [models.UniqueConstraint(fields=["invoice", "line_no"], name="invoice_line_unique_no")]

    def __str__(self) -> str:
        return f"{self.line_no}. {self.name}"

    def totals_agree(self) -> bool:
        return self.net + self.vat == self.gross


def document_upload_to(instance: Document, filename: str) -> str:
    return f"documents/{filename}"


class Document(models.Model):
    """A letter or notice (PDF) from the back-office for a person (e-correspondence, B5).

    The PDF sits in the private storage (PRIVATE_MEDIA_ROOT) under a name made of
    its SHA-256, so a document sent again every night is stored once.
    """

    external_id = BackOfficeIdField(_("id w systemie źródłowym"), max_length=64, unique=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("osoba"),
        on_delete=models.CASCADE,
        to_field="external_id",
        db_constraint=False,
        db_index=False,  # covered by document_person_issued
        related_name="documents",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("lokal"),
        on_delete=models.SET_NULL,
        to_field="external_id",
        db_constraint=False,
        null=True,
        blank=True,
        related_name="documents",
    )
    title = models.CharField(_("tytuł"), max_length=250)
    issued_on = models.DateField(_("data"))
    file = models.FileField(_("plik PDF"), upload_to=document_upload_to, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("rozmiar (bajty)"), default=0)

    class Meta:
        verbose_name = _("dokument")
        verbose_name_plural = _("dokumenty")
        ordering = ["-issued_on", "title"]
        indexes = [models.Index(fields=["person", "issued_on"], name="document_person_issued")]

    def __str__(self) -> str:
        return self.title


class DocumentRead(models.Model):
    """A user opened (downloaded) a document: the correspondence list tells read from unread.

    Points at the document by its back-office id without a database constraint, as the
    other back-office references do: the nightly import deletes documents set-wise, in SQL;
    marks of documents that are gone are pruned after it (``billing.services.after_import``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("użytkownik"), on_delete=models.CASCADE, related_name="+"
    )
    document = models.ForeignKey(
        Document,
        verbose_name=_("dokument"),
        on_delete=models.DO_NOTHING,
        to_field="external_id",
        db_constraint=False,
        related_name="reads",
    )
    read_at = models.DateTimeField(_("otwarto"), auto_now_add=True)

    class Meta:
        verbose_name = _("otwarcie dokumentu")
        verbose_name_plural = _("otwarcia dokumentów")
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="document_read_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.document_id}"


# --- tenant self-service (issue 5) ------------------------------------------------------------


class DispatchMark(models.Model):
    """How far new invoices (B4) and documents (B5) have been e-mailed to consenting users.

    The import inserts rows with ever-growing primary keys (it updates the rows it
    already holds in place), so after each import the rows above the mark are the
    new ones: they are e-mailed and the mark moves up to the highest of them. A
    missing mark starts at the rows present (``billing.services``): history is never mailed.
    """

    class Kind(models.TextChoices):
        INVOICES = "invoices", _("faktury")
        DOCUMENTS = "documents", _("dokumenty")

    kind = models.CharField(_("rodzaj"), max_length=16, choices=Kind.choices, unique=True)
    last_pk = models.BigIntegerField(_("ostatni wysłany identyfikator"), default=0)
    updated_at = models.DateTimeField(_("zmieniono"), auto_now=True)

    class Meta:
        verbose_name = _("znacznik wysyłki")
        verbose_name_plural = _("znaczniki wysyłki (e-faktury, e-korespondencja)")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.last_pk}"
