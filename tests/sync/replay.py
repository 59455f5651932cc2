"""Import a list of bundles and describe the outcome in plain JSON, to compare two databases.

Run in the test process (PostgreSQL) and as ``python -m tests.sync.replay OUT BUNDLE…``
in a child process on SQLite (the embedded default): the results must be the same.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def describe(paths: list[str]) -> dict:
    from billing.models import Building, Document, Invoice, InvoiceLine, LedgerEntry, Person, Title, Unit
    from meters.models import Meter, Reading
    from sync.services import bundle_import

    runs = []
    for path in paths:
        run = bundle_import(path=path)
        runs.append(
            {
                "status": run.status,
                "counts": run.counts,
                "problems": [
                    [p.file, p.line, p.column, p.value, p.code, p.reason] for p in run.problems.order_by("position")
                ],
            }
        )

    def rows(qs, *fields):
        return sorted([str(v) if v is not None else None for v in row] for row in qs.values_list(*fields))

    return {
        "runs": runs,
        "units": rows(
            Unit.objects,
            "external_id",
            "kind",
            "unit_no",
            "area_m2",
            "extra_area_m2",
            "occupants",
            "bank_account",
            "building__street",
            "withdrawn_at",
        ),
        "buildings": rows(Building.objects, "street", "building_no", "postal_code", "city"),
        "persons": rows(
            Person.objects, "external_id", "first_name", "last_name", "company_name", "pesel", "nip", "email", "phone"
        ),
        "titles": rows(
            Title.objects, "external_id", "unit__external_id", "person__external_id", "kind", "valid_from", "valid_to"
        ),
        "ledger": rows(
            LedgerEntry.objects,
            "external_id",
            "unit_id",
            "booked_on",
            "due_on",
            "kind",
            "component",
            "description",
            "amount",
        ),
        "invoices": rows(
            Invoice.objects,
            "external_id",
            "unit_id",
            "number",
            "issued_on",
            "sale_date",
            "due_on",
            "buyer_id",
            "net",
            "vat",
            "gross",
            "ksef_number",
        ),
        "lines": rows(
            InvoiceLine.objects,
            "invoice_id",
            "line_no",
            "name",
            "quantity",
            "measure_unit",
            "unit_net_price",
            "vat_rate",
            "net",
            "vat",
            "gross",
        ),
        "meters": rows(
            Meter.objects,
            "external_id",
            "unit_id",
            "medium",
            "serial_no",
            "installed_on",
            "removed_on",
            "legalization_valid_until",
            "initial_value",
        ),
        "readings": rows(Reading.objects, "reading_id", "meter_id", "read_on", "value", "source", "status"),
        "documents": rows(
            Document.objects, "external_id", "person_id", "unit_id", "title", "issued_on", "file", "sha256", "size"
        ),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    out, paths = sys.argv[1], sys.argv[2:]
    Path(out).write_text(json.dumps(describe(paths), ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
