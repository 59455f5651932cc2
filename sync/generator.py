"""A realistic, valid bundle for demos, tests and the benchmark (``generate_bundle``).

Polish names and streets with diacritics, valid PESEL/NIP/NRB checksums, fields
with ``;``, quotes and line breaks inside, monthly charges per component,
payments (some months unpaid, some late with interest), co-owners, a sold unit
(the old owner's title ended), meters with readings, invoices with lines whose
totals add up, and a few PDF letters. Deterministic for a seed and a date.
Written as a stream: the 2,000 units × 10 years of the benchmark never sit in memory.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import json
import random
import shutil
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape

from portal.validators import NIP_WEIGHTS, PESEL_WEIGHTS
from sync.schema import FILES, FORMAT

CENT = Decimal("0.01")
STREETS = [
    "ul. Żeromskiego",
    "os. Złote Łany",
    "ul. Świętojańska; róg Mickiewicza",
    "ul. Łąkowa",
    "ul. Źródlana",
    "al. Jana Pawła II",
    "ul. Kościuszki",
    'ul. Ogrodowa "Pod Lipami"',
    "ul. Paderewskiego",
    "ul. Gałczyńskiego",
    "ul. Wojska Polskiego",
    "pl. Wolności",
    "ul. Miodowa",
    "ul. Leśna",
    "ul. Śląska",
]
CITIES = [("Zawiercie", "42-400"), ("Poręba", "42-480"), ("Łazy", "42-450")]
MEN = ["Łukasz", "Józef", "Krzysztof", "Paweł", "Michał", "Grzegorz", "Zbigniew", "Wojciech", "Andrzej", "Bartłomiej"]
WOMEN = ["Anna", "Małgorzata", "Katarzyna", "Zofia", "Agnieszka", "Elżbieta", "Joanna", "Barbara", "Jadwiga", "Łucja"]
SURNAMES = [  # (male, female)
    ("Kowalski", "Kowalska"),
    ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"),
    ("Mazur", "Mazur"),
    ("Woźniak", "Woźniak"),
    ("Kozłowski", "Kozłowska"),
    ("Jabłoński", "Jabłońska"),
    ("Król", "Król"),
    ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"),
    ("Dąbrowski", "Dąbrowska"),
    ("Łęcki", "Łęcka"),
    ("Żak", "Żak"),
    ("Ślusarczyk", "Ślusarczyk"),
]
COMPANIES = [
    "Piekarnia „Kłos” Sp. z o.o.",
    "Apteka Pod Łabędziem s.c.",
    'Sklep "Żabka"; franczyza',
    "Usługi Remontowe Świątek",
]
BANK_CODES = ["10201026", "10901014", "11402004", "12401024"]


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT, ROUND_HALF_UP):.2f}".replace(".", ",")


def _qty(value: Decimal) -> str:
    return f"{value:.3f}".replace(".", ",")


def pesel(rng: random.Random, born: dt.date, female: bool) -> str:
    month = born.month + (20 if born.year >= 2000 else 0)
    serial = rng.randint(0, 999)
    sex = rng.choice([0, 2, 4, 6, 8] if female else [1, 3, 5, 7, 9])
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial:03d}{sex}"
    total = sum(int(d) * w for d, w in zip(body, PESEL_WEIGHTS, strict=True))
    return body + str((10 - total % 10) % 10)


def nip(rng: random.Random) -> str:
    while True:
        body = f"{rng.randint(100, 999)}{rng.randint(0, 999_999):06d}"
        check = sum(int(d) * w for d, w in zip(body, NIP_WEIGHTS, strict=True)) % 11
        if check != 10:
            return body + str(check)


def nrb(rng: random.Random) -> str:
    bban = rng.choice(BANK_CODES) + f"{rng.randint(0, 10**16 - 1):016d}"
    check = 98 - int(bban + "252100") % 97
    return f"{check:02d}{bban}"


SELLER_NIP = "6490001234"  # the demo operator's (seed_demo): the seller on every generated invoice
SELLER_NAME = "Spółdzielnia Mieszkaniowa (dane przykładowe)"
KSEF_FROM = dt.date(2026, 2, 1)  # invoices issued from then on are registered in KSeF
InvoiceLineData = tuple[str, Decimal, str, Decimal, str]  # name, quantity, unit, net price, VAT rate


def ksef_xml(
    *, number: str, issued: dt.date, sale: dt.date, buyer_id: str, lines: list[InvoiceLineData], totals: list[Decimal]
) -> bytes:
    """A small invoice XML shaped like the Ministry of Finance's FA(3) structure (header, seller,
    buyer, totals, lines): what the back-office would have sent to KSeF, for demos and tests."""
    rows = "".join(
        f"<FaWiersz><NrWierszaFa>{n}</NrWierszaFa><P_7>{escape(name)}</P_7><P_8A>{escape(measure)}</P_8A>"
        f"<P_8B>{quantity:.3f}</P_8B><P_9A>{price:.2f}</P_9A><P_12>{rate}</P_12></FaWiersz>"
        for n, (name, quantity, measure, price, rate) in enumerate(lines, start=1)
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/">'
        '<Naglowek><KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza>'
        f"<WariantFormularza>3</WariantFormularza><DataWytworzeniaFa>{issued.isoformat()}T08:00:00Z</DataWytworzeniaFa>"
        "<SystemInfo>Generator e-BOK</SystemInfo></Naglowek>"
        f"<Podmiot1><DaneIdentyfikacyjne><NIP>{SELLER_NIP}</NIP><Nazwa>{escape(SELLER_NAME)}</Nazwa>"
        "</DaneIdentyfikacyjne></Podmiot1>"
        f"<Podmiot2><DaneIdentyfikacyjne><IDWew>{escape(buyer_id)}</IDWew></DaneIdentyfikacyjne></Podmiot2>"
        f"<Fa><KodWaluty>PLN</KodWaluty><P_1>{issued.isoformat()}</P_1><P_2>{escape(number)}</P_2>"
        f"<P_6>{sale.isoformat()}</P_6><P_13_1>{totals[0]:.2f}</P_13_1><P_14_1>{totals[1]:.2f}</P_14_1>"
        f"<P_15>{totals[2]:.2f}</P_15><RodzajFaktury>VAT</RodzajFaktury>{rows}</Fa></Faktura>\n"
    )
    return text.encode("utf-8")


def ksef_registration(
    *,
    technical: int,
    check: int,
    number: str,
    issued: dt.date,
    sale: dt.date,
    buyer_id: str,
    lines: list[InvoiceLineData],
    totals: list[Decimal],
) -> tuple[str, str, bytes]:
    """An invoice registered in KSeF on its issue day: (KSeF number, ksef_hash, XML). The number
    has the real shape (seller NIP, date, 12 hex digits, 2 hex digits); its check digits are
    not computed (demo data)."""
    xml = ksef_xml(number=number, issued=issued, sale=sale, buyer_id=buyer_id, lines=lines, totals=totals)
    ksef_number = f"{SELLER_NIP}-{issued:%Y%m%d}-{technical:012X}-{check:02X}"
    return ksef_number, base64.b64encode(hashlib.sha256(xml).digest()).decode(), xml


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A small valid one-page PDF (Helvetica, Latin-2 letters transliterated)."""
    table = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ„”", 'acelnoszzACELNOSZZ""')
    text = [title, "", *lines]
    ops = ["BT", "/F1 12 Tf", "72 770 Td", "16 TL"]
    for line in text:
        safe = line.translate(table).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({safe}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class BundleWriter:
    """Writes CSV files of a bundle as streams and the manifest last (with rows and SHA-256)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, tuple[TextIO, Any, int]] = {}  # (file, its csv writer, rows)
        self.rows: dict[str, int] = {}
        self.extra: dict[str, bytes] = {}

    def writer(self, stem: str, header: list[str] | None = None) -> Any:
        """The csv writer of ``stem`` (``_csv.writer`` has no type of its own to name)."""
        if stem not in self._files:
            fh = (self.out / f"{stem}.csv").open("w", encoding="utf-8", newline="")
            w = csv.writer(fh, delimiter=";", quotechar='"', lineterminator="\n")
            w.writerow(header or [c.name for c in FILES[stem].columns])
            self._files[stem] = (fh, w, 0)
            self.rows[stem] = 0
        return self._files[stem][1]

    def row(self, stem: str, values: Sequence[object]) -> None:
        self.writer(stem).writerow(values)
        self.rows[stem] += 1

    def document(self, member: str, content: bytes) -> None:
        path = self.out / member
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    def finish(self, *, export_id: str, sequence: int, kind: str, as_of: dt.datetime, source: str) -> None:
        for fh, _w, _n in self._files.values():
            fh.close()
        files = {}
        for stem, rows in self.rows.items():
            name = f"{stem}.csv"
            files[name] = {"rows": rows, "sha256": _sha256(self.out / name)}
        manifest = {
            "format": FORMAT,
            "export_id": export_id,
            "sequence": sequence,
            "kind": kind,
            "as_of": as_of.isoformat(),
            "source": source,
            "files": files,
        }
        (self.out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def _months(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    current = start.replace(day=1)
    while current <= end:
        yield current
        current = (current + dt.timedelta(days=32)).replace(day=1)


@dataclass
class _Unit:
    uid: str
    kind: str
    building: int
    area: Decimal
    occupants: int
    owners: list[str] = field(default_factory=list)
    heat: bool = False
    lift: bool = False


SOURCE = "Generator e-BOK (dane przykładowe) 1.0"


def generate_bundle(
    out: Path,
    *,
    units: int = 40,
    years: int = 2,
    seed: int = 1,
    as_of: dt.date | None = None,
    sequence: int = 1,
    export_id: str | None = None,
    documents: int | None = None,
    make_zip: bool = False,
) -> Path:
    """Write a valid full bundle into ``out`` (a folder; with ``make_zip`` also ``out.zip``).
    Returns the bundle's path (the folder or the zip)."""
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible by seed
    as_of = as_of or dt.date.today()
    end = as_of.replace(day=1) - dt.timedelta(days=1)  # the last closed month
    start = (dt.date(end.year - max(years, 1), end.month, 1) + dt.timedelta(days=32)).replace(day=1)
    if out.exists():
        shutil.rmtree(out)
    w = BundleWriter(out)
    per_building = 20
    model_units: list[_Unit] = []
    for n in range(units):
        building = n // per_building
        position = n % per_building
        roll = rng.random()
        kind = "flat"
        if position >= per_building - 3:
            kind = "garage"
        elif position == per_building - 4:
            kind = "storage"
        elif position == 0 and building % 2 == 0:
            kind = "commercial"
        elif roll < 0.01:
            kind = "plot"
        area = (
            Decimal(rng.randint(2800, 9500)) / 100
            if kind in ("flat", "commercial")
            else Decimal(rng.randint(1200, 2400)) / 100
        )
        u = _Unit(
            uid=f"U{n:07d}",
            kind=kind,
            building=building,
            area=area,
            occupants=rng.randint(1, 5) if kind == "flat" else 0,
            heat=building % 3 != 0,
            lift=building % 2 == 1,
        )
        model_units.append(u)
        street = STREETS[building % len(STREETS)]
        city, postal = CITIES[(building // len(STREETS)) % len(CITIES)]
        w.row(
            "units",
            [
                u.uid,
                kind,
                street,
                str(building // (len(STREETS) * len(CITIES)) + 1),
                str(position + 1),
                postal,
                city,
                _money(area),
                _money(Decimal(rng.randint(0, 600)) / 100) if kind == "flat" else "",
                str(u.occupants) if kind == "flat" else "",
                nrb(rng) if rng.random() < 0.9 else "",
            ],
        )

    # persons and titles
    person_no = 0
    title_no = 0

    def new_person(female: bool | None = None, company: bool = False) -> str:
        nonlocal person_no
        pid = f"P{person_no:07d}"
        person_no += 1
        if company:
            w.row("persons", [pid, "", "", rng.choice(COMPANIES), "", nip(rng), f"biuro{person_no}@example.test", ""])
            return pid
        female = rng.random() < 0.5 if female is None else female
        first = rng.choice(WOMEN if female else MEN)
        last = rng.choice(SURNAMES)[1 if female else 0]
        born = dt.date(rng.randint(1940, 2002), rng.randint(1, 12), rng.randint(1, 28))
        w.row(
            "persons",
            [
                pid,
                first,
                last,
                "",
                pesel(rng, born, female),
                "",
                f"lokator{person_no}@example.test" if rng.random() < 0.85 else "",
                f"+48 6{rng.randint(0, 99):02d} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}",
            ],
        )
        return pid

    def title(unit: _Unit, pid: str, kind: str, since: dt.date, until: dt.date | None) -> None:
        nonlocal title_no
        w.row(
            "titles",
            [f"T{title_no:07d}", unit.uid, pid, kind, since.isoformat(), until.isoformat() if until else ""],
        )
        title_no += 1

    last_flat_owner: str | None = None
    for u in model_units:
        title_kind = rng.choice(["ownership", "coop_ownership", "coop_ownership", "coop_tenancy"])
        if u.kind == "commercial":
            owner = new_person(company=True)
            title(u, owner, "lease", dt.date(2012, 1, 1), None)
            u.owners = [owner]
            continue
        if u.kind in ("garage", "storage") and last_flat_owner:  # one person, several units (A9)
            title(u, last_flat_owner, "ownership", dt.date(2008, 5, 1), None)
            u.owners = [last_flat_owner]
            continue
        if rng.random() < 0.1 and start.year > 2000:
            # Sold during the period: the old owner's title ended, the buyer's began the next day.
            sold = start + dt.timedelta(days=rng.randint(30, max((end - start).days - 30, 31)))
            seller = new_person()
            title(u, seller, title_kind, dt.date(2005, 3, 1), sold)
            owner = new_person()
            title(u, owner, "ownership", sold + dt.timedelta(days=1), None)
        else:
            owner = new_person()
            title(u, owner, title_kind, dt.date(rng.randint(1995, 2015), rng.randint(1, 12), 1), None)
        u.owners = [owner]
        if u.kind == "flat" and rng.random() < 0.3:
            co_owner = new_person()
            title(u, co_owner, "ownership", dt.date(2010, 6, 1), None)
            u.owners.append(co_owner)
        if u.kind == "flat":
            last_flat_owner = owner

    # ledger and invoices
    entry_no = 0
    invoice_no = 0

    def entry(
        uid: str, booked: dt.date, due: dt.date | None, kind: str, component: str, description: str, amount: Decimal
    ) -> None:
        nonlocal entry_no
        entry_no += 1
        w.row(
            "ledger",
            [
                f"E{entry_no:010d}",
                uid,
                booked.isoformat(),
                due.isoformat() if due else "",
                kind,
                component,
                description,
                _money(amount),
                "",  # payment_ref: the generator makes no payments through the portal
            ],
        )

    def invoice(u: _Unit, issued: dt.date, lines: list[InvoiceLineData]) -> Decimal:
        nonlocal invoice_no
        invoice_no += 1
        iid = f"I{invoice_no:07d}"
        totals = [Decimal(0), Decimal(0), Decimal(0)]
        rows = []
        for line_no, (name, quantity, measure, price, rate) in enumerate(lines, start=1):
            net = (quantity * price).quantize(CENT, ROUND_HALF_UP)
            vat = (net * Decimal(rate) / 100).quantize(CENT, ROUND_HALF_UP) if rate.isdigit() else Decimal(0)
            gross = net + vat
            totals = [totals[0] + net, totals[1] + vat, totals[2] + gross]
            rows.append(
                [
                    iid,
                    str(line_no),
                    name,
                    _qty(quantity),
                    measure,
                    _money(price),
                    rate,
                    _money(net),
                    _money(vat),
                    _money(gross),
                ]
            )
        sale = issued.replace(day=1) - dt.timedelta(days=1)
        number = f"FV/{invoice_no}/{issued:%m}/{issued:%Y}"
        ksef = ksef_hash = member = ""
        if issued >= KSEF_FROM:
            ksef, ksef_hash, xml = ksef_registration(
                technical=rng.randint(0, 16**12 - 1),
                check=rng.randint(0, 255),
                number=number,
                issued=issued,
                sale=sale,
                buyer_id=u.owners[0],
                lines=lines,
                totals=totals,
            )
            member = f"invoices/{iid}.xml"
            w.document(member, xml)
        w.row(
            "invoices",
            [
                iid,
                u.uid,
                number,
                issued.isoformat(),
                sale.isoformat(),
                (issued + dt.timedelta(days=20)).isoformat(),
                u.owners[0],
                _money(totals[0]),
                _money(totals[1]),
                _money(totals[2]),
                ksef,
                ksef_hash,
                member,
            ],
        )
        for r in rows:
            w.row("invoice_lines", r)
        return totals[2]

    months = list(_months(start, end))
    debtors = {u.uid for u in model_units if rng.random() < 0.08}
    for u in model_units:
        balance = Decimal(0)
        for index, month in enumerate(months):
            growth = Decimal(1) + Decimal(month.year - 2016) * Decimal("0.03")
            due = month.replace(day=15)
            label = f"{month:%m/%Y}"
            if u.kind == "commercial":
                gross = invoice(
                    u,
                    month.replace(day=5),
                    [
                        (
                            "Opłata eksploatacyjna lokalu użytkowego",
                            u.area,
                            "m2",
                            (Decimal("6.10") * growth).quantize(CENT),
                            "23",
                        ),
                        (
                            "Dostawa wody i odprowadzanie ścieków",
                            Decimal(rng.randint(3000, 15000)) / 1000,
                            "m3",
                            (Decimal("14.80") * growth).quantize(CENT),
                            "8",
                        ),
                        ("Wywóz odpadów", Decimal(1), "szt.", (Decimal("95.00") * growth).quantize(CENT), "8"),
                    ],
                )
                entry(u.uid, month, due, "charge", "faktura", f"Faktura za {label}", gross)
                charged = gross
            else:
                components = [("eksploatacja", u.area * Decimal("1.95") * growth)]
                components.append(("fundusz remontowy", u.area * Decimal("1.40") * growth))
                if u.kind == "flat":
                    components.append(("woda", Decimal(u.occupants) * Decimal("36.50") * growth))
                    components.append(("odpady", Decimal(u.occupants) * Decimal("27.00") * growth))
                    if u.heat:
                        components.append(("c.o.", u.area * Decimal("3.20") * growth))
                    if u.lift:
                        components.append(("winda", Decimal("12.00") * growth))
                charged = Decimal(0)
                for component, amount in components:
                    amount = amount.quantize(CENT, ROUND_HALF_UP)
                    entry(u.uid, month, due, "charge", component, f"Naliczenie {component} {label}", amount)
                    charged += amount
            balance += charged
            recent = index >= len(months) - 3
            if u.uid in debtors and recent:
                continue  # unpaid months at the end of the period
            if rng.random() < 0.04:
                continue  # a forgotten month, paid later with the next one
            if balance <= 0:
                continue
            paid_on = month.replace(day=rng.randint(5, 20))
            if paid_on > due:
                interest = (balance * Decimal("0.0007") * (paid_on - due).days).quantize(CENT)
                if interest > 0:
                    entry(
                        u.uid,
                        paid_on,
                        paid_on + dt.timedelta(days=14),
                        "interest",
                        "odsetki",
                        "Odsetki za zwłokę",
                        interest,
                    )
                    balance += interest
            description = rng.choice(
                ['Wpłata; przelew "Elixir"', "Wpłata gotówką w kasie", "Wpłata – polecenie zapłaty"]
            )
            entry(u.uid, paid_on, None, "payment", "wpłata", description, -balance)
            balance = Decimal(0)
            if rng.random() < 0.01:
                amount = Decimal(rng.randint(-3000, 3000)) / 100
                entry(
                    u.uid,
                    paid_on,
                    None,
                    "correction",
                    "korekta",
                    "Korekta naliczenia\nwg protokołu komisji; poz. 3",
                    amount,
                )
                balance += amount

    # meters and readings
    reading_no = 0
    for u in model_units:
        if u.kind != "flat":
            continue
        media = [("c", "cold_water"), ("h", "hot_water")] + ([("q", "heat")] if u.heat and rng.random() < 0.3 else [])
        for suffix, medium in media:
            mid = f"M{u.uid[1:]}{suffix}"
            installed = dt.date(2015, rng.randint(1, 12), 1)
            legal = dt.date(as_of.year + rng.randint(0, 4), rng.randint(1, 12), rng.randint(1, 28))
            w.row(
                "meters",
                [
                    mid,
                    u.uid,
                    medium,
                    f"SN{rng.randint(10**7, 10**8 - 1)}",
                    installed.isoformat(),
                    "",
                    legal.isoformat(),
                    _qty(Decimal(0)),
                ],
            )
            value = Decimal(rng.randint(0, 50000)) / 1000
            for month in months:
                if month.month not in (1, 4, 7, 10):
                    continue
                value += Decimal(max(u.occupants, 1) * rng.randint(1500, 4500)) / 1000
                reading_no += 1
                w.row(
                    "readings",
                    [
                        f"R{reading_no:010d}",
                        mid,
                        month.isoformat(),
                        _qty(value),
                        rng.choice(["radio", "radio", "collector", "estimate"]),
                    ],
                )

    # documents (letters as PDFs)
    count = min(units, 30) if documents is None else documents
    for n in range(count):
        u = model_units[n * max(len(model_units) // max(count, 1), 1) % len(model_units)]
        member = f"documents/D{n:06d}.pdf"
        title_text = rng.choice(
            [
                "Zawiadomienie o wysokości opłat",
                "Rozliczenie wody; okres półroczny",
                'Informacja o pracach "termomodernizacja"',
            ]
        )
        w.document(member, pdf_bytes(title_text, [f"Lokal {u.uid}", f"Data: {end.isoformat()}"]))
        w.row("documents", [f"D{n:06d}", u.owners[0], u.uid, title_text, end.isoformat(), member])

    for stem in FILES:  # every file, even without rows (a full bundle is complete)
        if stem != "deletions":
            w.writer(stem)
    w.finish(
        export_id=export_id or f"GEN-{seed}-{as_of.isoformat()}-{sequence:04d}",
        sequence=sequence,
        kind="full",
        as_of=dt.datetime.combine(as_of, dt.time(0, 0), tzinfo=dt.timezone(dt.timedelta(hours=1))),
        source=SOURCE,
    )
    if make_zip:
        return zip_bundle(out)
    return out


def zip_bundle(folder: Path) -> Path:
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target


NEW_LEDGER_SHARE = 0.2  # of the ledger rows a generated delta touches, the new entries


def make_delta(
    full: Path,
    out: Path,
    *,
    touch: float = 0.01,
    seed: int = 2,
    sequence: int | None = None,
    export_id: str | None = None,
) -> Path:
    """A delta bundle touching about ``touch`` of the rows of each file of ``full``: changed
    rows, a few ledger entries deleted and, for the ledger, new entries (a fifth of the
    touched ledger rows), so that changed, deleted and new rows together are ``touch``."""
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible by seed
    manifest = json.loads((full / "manifest.json").read_text("utf-8"))
    if out.exists():
        shutil.rmtree(out)
    w = BundleWriter(out)
    deletions: list[tuple[str, str]] = []
    as_of = dt.datetime.fromisoformat(manifest["as_of"]) + dt.timedelta(days=1)
    for stem in ("units", "persons", "ledger", "meters", "readings"):
        path = full / f"{stem}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter=";", quotechar='"')
            header = next(reader)
            w.writer(stem, header)
            col = {name: i for i, name in enumerate(header)}
            last: list[str] | None = None
            share = touch * (1 - NEW_LEDGER_SHARE) if stem == "ledger" else touch
            for row in reader:
                last = row
                if rng.random() >= share:
                    continue
                if stem == "ledger" and rng.random() < 0.1:
                    deletions.append(("ledger", row[col["entry_id"]]))
                    continue
                if stem == "units":
                    row[col["occupants"]] = str(rng.randint(0, 6)) if row[col["occupants"]] else ""
                elif stem == "persons":
                    row[col["phone"]] = (
                        f"+48 5{rng.randint(0, 99):02d} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
                    )
                elif stem == "ledger":
                    row[col["description"]] = row[col["description"]] + " (korekta)"
                    whole, _, frac = row[col["amount"]].partition(",")
                    row[col["amount"]] = f"{whole},{(int(frac or 0) + 1) % 100:02d}"
                elif stem == "meters":
                    row[col["legalization_valid_until"]] = dt.date(as_of.year + 5, 1, 31).isoformat()
                elif stem == "readings":
                    whole, _, frac = row[col["value"]].partition(",")
                    row[col["value"]] = f"{whole},{(frac or '0').ljust(3, '0')[:2]}9"
                w.row(stem, row)
            if stem == "ledger" and last is not None:
                # New entries of the next month for the touched share of units.
                for n in range(max(1, int(manifest["files"]["ledger.csv"]["rows"] * touch * NEW_LEDGER_SHARE))):
                    w.row(
                        "ledger",
                        [
                            f"N{sequence or 2}-{n:08d}",
                            f"U{rng.randrange(int(manifest['files']['units.csv']['rows'])):07d}",
                            as_of.date().isoformat(),
                            (as_of.date() + dt.timedelta(days=14)).isoformat(),
                            "charge",
                            "eksploatacja",
                            "Naliczenie; nowy miesiąc",
                            "123,45",
                            *([""] if "payment_ref" in col else []),  # a full bundle from before the column
                        ],
                    )
    w.writer("deletions")
    for entity, identifier in deletions:
        w.row("deletions", [entity, identifier])
    w.finish(
        export_id=export_id or f"{manifest['export_id']}-D{sequence or manifest['sequence'] + 1}",
        sequence=sequence or manifest["sequence"] + 1,
        kind="delta",
        as_of=as_of,
        source=manifest["source"],
    )
    return out
