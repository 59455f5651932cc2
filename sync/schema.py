"""The files of a bundle, their columns and the rules of each column (EXCHANGE_FORMAT.md).

One declaration drives the reader (row checks in Python), the staging tables,
the set-wise checks and the merge, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT = "ebok-bundle/1"
OUTBOUND_FORMAT = "ebok-outbound/1"
ID_MAX = 64


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id, ref, text, enum, date, money, area, qty3, count, posint, postal, nrb, pesel, nip, path
    required: bool = False
    max_length: int = 0  # text: 0 = no limit
    choices: tuple[str, ...] = ()
    # What an empty optional field becomes: None (NULL) or "" for the text columns
    # Django keeps NOT NULL with blank=True.
    empty: str | None = None


@dataclass(frozen=True)
class Ref:
    column: str
    parent: str  # stem of the file the value must be found in
    noun: str  # Polish, for messages: "lokal", "osoba", …


@dataclass(frozen=True)
class FileSpec:
    stem: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique within the file
    refs: tuple[Ref, ...] = ()
    noun: str = ""

    @property
    def filename(self) -> str:
        return f"{self.stem}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _id(name: str) -> Column:
    return Column(name, "id", required=True)


def _ref(name: str, required: bool = True) -> Column:
    return Column(name, "ref", required=required)


UNIT_KINDS = ("flat", "commercial", "garage", "storage", "plot")
TITLE_KINDS = ("ownership", "coop_ownership", "coop_tenancy", "rental", "lease")
LEDGER_KINDS = ("charge", "payment", "interest", "correction")
VAT_RATES = ("23", "8", "5", "0", "zw", "np")
MEDIA = ("cold_water", "hot_water", "heat", "gas", "electricity")
READING_SOURCES = ("collector", "radio", "tenant", "estimate")

UNITS = FileSpec(
    "units",
    (
        _id("unit_id"),
        Column("kind", "enum", required=True, choices=UNIT_KINDS),
        Column("street", "text", required=True, max_length=200),
        Column("building_no", "text", required=True, max_length=20),
        Column("unit_no", "text", max_length=20, empty=""),
        Column("postal_code", "postal", required=True),
        Column("city", "text", required=True, max_length=100),
        Column("area_m2", "area"),
        Column("extra_area_m2", "area"),
        Column("occupants", "count"),
        Column("bank_account", "nrb", empty=""),
    ),
    key=("unit_id",),
    noun="lokal",
)
PERSONS = FileSpec(
    "persons",
    (
        _id("person_id"),
        Column("first_name", "text", max_length=100, empty=""),
        Column("last_name", "text", max_length=150, empty=""),
        Column("company_name", "text", max_length=250, empty=""),
        Column("pesel", "pesel", empty=""),
        Column("nip", "nip", empty=""),
        Column("email", "text", max_length=254, empty=""),
        Column("phone", "text", max_length=40, empty=""),
    ),
    key=("person_id",),
    noun="osoba",
)
TITLES = FileSpec(
    "titles",
    (
        _id("title_id"),
        _ref("unit_id"),
        _ref("person_id"),
        Column("kind", "enum", required=True, choices=TITLE_KINDS),
        Column("valid_from", "date", required=True),
        Column("valid_to", "date"),
    ),
    key=("title_id",),
    refs=(Ref("unit_id", "units", "lokal"), Ref("person_id", "persons", "osoba")),
    noun="tytuł prawny",
)
LEDGER = FileSpec(
    "ledger",
    (
        _id("entry_id"),
        _ref("unit_id"),
        Column("booked_on", "date", required=True),
        Column("due_on", "date"),
        Column("kind", "enum", required=True, choices=LEDGER_KINDS),
        Column("component", "text", required=True, max_length=100),
        Column("description", "text", empty=""),
        Column("amount", "money", required=True),
    ),
    key=("entry_id",),
    refs=(Ref("unit_id", "units", "lokal"),),
    noun="zapis kartoteki",
)
INVOICES = FileSpec(
    "invoices",
    (
        _id("invoice_id"),
        _ref("unit_id"),
        Column("number", "text", required=True, max_length=64),
        Column("issued_on", "date", required=True),
        Column("sale_date", "date", required=True),
        Column("due_on", "date", required=True),
        _ref("buyer_person_id"),
        Column("net", "money", required=True),
        Column("vat", "money", required=True),
        Column("gross", "money", required=True),
        Column("ksef_number", "text", max_length=64, empty=""),
    ),
    key=("invoice_id",),
    refs=(Ref("unit_id", "units", "lokal"), Ref("buyer_person_id", "persons", "osoba")),
    noun="faktura",
)
INVOICE_LINES = FileSpec(
    "invoice_lines",
    (
        _ref("invoice_id"),
        Column("line_no", "posint", required=True),
        Column("name", "text", required=True, max_length=250),
        Column("quantity", "qty3", required=True),
        Column("unit", "text", required=True, max_length=20),
        Column("unit_net_price", "money", required=True),
        Column("vat_rate", "enum", required=True, choices=VAT_RATES),
        Column("net", "money", required=True),
        Column("vat", "money", required=True),
        Column("gross", "money", required=True),
    ),
    key=("invoice_id", "line_no"),
    refs=(Ref("invoice_id", "invoices", "faktura"),),
    noun="pozycja faktury",
)
METERS = FileSpec(
    "meters",
    (
        _id("meter_id"),
        _ref("unit_id"),
        Column("medium", "enum", required=True, choices=MEDIA),
        Column("serial_no", "text", required=True, max_length=64),
        Column("installed_on", "date", required=True),
        Column("removed_on", "date"),
        Column("legalization_valid_until", "date"),
        Column("initial_value", "qty3"),
    ),
    key=("meter_id",),
    refs=(Ref("unit_id", "units", "lokal"),),
    noun="licznik",
)
READINGS = FileSpec(
    "readings",
    (
        _id("reading_id"),
        _ref("meter_id"),
        Column("read_on", "date", required=True),
        Column("value", "qty3", required=True),
        Column("source", "enum", required=True, choices=READING_SOURCES),
    ),
    key=("reading_id",),
    refs=(Ref("meter_id", "meters", "licznik"),),
    noun="odczyt",
)
DOCUMENTS = FileSpec(
    "documents",
    (
        _id("document_id"),
        _ref("person_id"),
        _ref("unit_id", required=False),
        Column("title", "text", required=True, max_length=250),
        Column("issued_on", "date", required=True),
        Column("file", "path", required=True),
    ),
    key=("document_id",),
    refs=(Ref("person_id", "persons", "osoba"), Ref("unit_id", "units", "lokal")),
    noun="dokument",
)
# Entities a delta may delete by id. Invoice lines have no id of their own: a
# delta that carries an invoice's lines replaces all of them.
DELETABLE = ("units", "persons", "titles", "ledger", "invoices", "meters", "readings", "documents")
DELETIONS = FileSpec(
    "deletions",
    (
        Column("entity", "enum", required=True, choices=DELETABLE),
        Column("id", "id", required=True),
    ),
    key=(),
)

# In dependency order: a file only refers to files before it.
FILES: dict[str, FileSpec] = {
    spec.stem: spec
    for spec in (UNITS, PERSONS, TITLES, LEDGER, INVOICES, INVOICE_LINES, METERS, READINGS, DOCUMENTS, DELETIONS)
}
ENTITY_FILES = tuple(stem for stem in FILES if stem != "deletions")
KEY_OF = {stem: FILES[stem].key[0] for stem in DELETABLE}
