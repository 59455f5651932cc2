"""The outbound bundle (portal → back-office): tenant readings, consent changes and payments
made online.

Every outbound bundle holds everything not yet confirmed, so a lost bundle loses
nothing. A tenant reading is confirmed when an import brings it back with the
same ``P-…`` id (sync/merge.py). Consent changes have no echo in the inbound
format: one counts as confirmed by the first import whose ``as_of`` is later
than an outbound bundle that carried it and that the back-office took from the
outbox (the folder is gone). Until then it is repeated. A paid online payment is
confirmed when an imported ledger row's ``payment_ref`` names it (the import books it:
payments.services.payments_reconcile_ledger); until then every bundle carries it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import User
from meters.models import Reading
from payments.models import to_grosze
from payments.selectors import payments_awaiting_booking
from sync.models import ConsentChange, ImportRun, OutboundBundle
from sync.problems import bundle_amount
from sync.schema import OUTBOUND_FORMAT

SOURCE = "e-BOK (portal) 1"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
    quoted = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for row in rows:
        # Python's writer leaves a lone "\r" unquoted when lines end with "\n"; quote such rows whole.
        (quoted if any("\r" in field for field in row) else writer).writerow(row)
    return out.getvalue().encode("utf-8")


def _timestamp(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def record_consent_changes() -> int:
    """Snapshot consent changes made in the portal since the last outbound bundle."""
    already = ConsentChange.objects.filter(user=OuterRef("pk"), changed_at=OuterRef("consents_changed_at"))
    users = (
        User.objects.filter(person__isnull=False, consents_changed_at__isnull=False)
        .exclude(Exists(already))
        .select_related("person")
    )
    created = 0
    for user in users:
        person, changed_at = user.person, user.consents_changed_at
        if person is None or changed_at is None:  # excluded by the query; tells the type checker
            continue
        ConsentChange.objects.create(
            user=user,
            person_external_id=person.external_id,
            e_invoice=user.consent_e_invoice,
            e_correspondence=user.consent_e_correspondence,
            changed_at=changed_at,
        )
        created += 1
    return created


def pending_consents() -> list[ConsentChange]:
    """The latest unconfirmed consent change of each person."""
    latest: dict[str, ConsentChange] = {}
    for change in ConsentChange.objects.filter(confirmed_at__isnull=True).order_by("changed_at", "pk"):
        latest[change.person_external_id] = change
    return sorted(latest.values(), key=lambda c: c.person_external_id)


def pending_readings() -> QuerySet[Reading]:
    """Tenant readings waiting for the back-office, oldest first."""
    return Reading.objects.filter(status=Reading.Status.WAITING, submitted_at__isnull=False).order_by(
        "submitted_at", "reading_id"
    )


@transaction.atomic
def export_outbound(*, directory: Path, now: dt.datetime | None = None) -> OutboundBundle:
    """Write an outbound bundle folder into ``directory`` (created whole, then renamed
    into place, so the back-office never sees half of it). Returns its record."""
    now = now or timezone.now()
    record_consent_changes()
    # The row lock serializes two exports racing for the next sequence number.
    last = OutboundBundle.objects.select_for_update().order_by("-sequence").first()
    sequence = (last.sequence if last else 0) + 1
    export_id = f"EBOK-OUT-{timezone.localtime(now):%Y%m%d-%H%M%S}-{sequence:06d}"

    readings = list(pending_readings())
    consents = pending_consents()
    payments = payments_awaiting_booking()
    files = {
        "readings.csv": _csv(
            ["reading_id", "meter_id", "read_on", "value", "source", "submitted_at"],
            [
                [
                    r.reading_id,
                    r.meter_id,
                    r.read_on.isoformat(),
                    f"{r.value:.3f}".replace(".", ","),
                    "tenant",
                    _timestamp(r.submitted_at),
                ]
                for r in readings
            ],
        ),
        "consents.csv": _csv(
            ["person_id", "e_invoice", "e_correspondence", "changed_at"],
            [
                [
                    c.person_external_id,
                    "1" if c.e_invoice else "0",
                    "1" if c.e_correspondence else "0",
                    _timestamp(c.changed_at),
                ]
                for c in consents
            ],
        ),
        "payments.csv": _csv(
            ["payment_id", "unit_id", "invoice_id", "amount", "paid_at", "gateway", "gateway_ref"],
            [
                [
                    p.payment_id,
                    p.unit_id,
                    p.invoice_id,
                    bundle_amount(to_grosze(p.amount)),
                    _timestamp(p.paid_at),
                    p.gateway,
                    p.gateway_ref,
                ]
                for p in payments
            ],
        ),
    }
    rows = {"readings.csv": len(readings), "consents.csv": len(consents), "payments.csv": len(payments)}
    manifest = {
        "format": OUTBOUND_FORMAT,
        "export_id": export_id,
        "sequence": sequence,
        "kind": "full",
        "as_of": _timestamp(now),
        "source": SOURCE,
        "files": {
            name: {"rows": rows[name], "sha256": hashlib.sha256(content).hexdigest()} for name, content in files.items()
        },
    }

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{export_id}.part"
    target = directory / export_id
    partial.mkdir()
    try:
        for name, content in files.items():
            (partial / name).write_bytes(content)
        (partial / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise

    bundle = OutboundBundle.objects.create(
        export_id=export_id,
        sequence=sequence,
        created_at=now,
        path=str(target),
        readings=len(readings),
        consents=len(consents),
    )
    Reading.objects.filter(pk__in=[r.pk for r in readings], first_sent_at__isnull=True).update(first_sent_at=now)
    ConsentChange.objects.filter(confirmed_at__isnull=True, first_sent_in__isnull=True).update(first_sent_in=bundle)
    return bundle


def refresh_pickups(now: dt.datetime | None = None) -> int:
    """Outbound bundles the back-office took (their folder left the outbox)."""
    now = now or timezone.now()
    taken = [b.pk for b in OutboundBundle.objects.filter(picked_up_at__isnull=True) if not Path(b.path).exists()]
    return OutboundBundle.objects.filter(pk__in=taken).update(picked_up_at=now)


def confirm_after_import(*, run: ImportRun, as_of: dt.datetime) -> int:
    """Consent changes an import confirms: carried by a bundle picked up before ``as_of``."""
    refresh_pickups()
    cutoff = OutboundBundle.objects.filter(picked_up_at__isnull=False, created_at__lt=as_of).aggregate(
        latest=Max("created_at")
    )["latest"]
    if cutoff is None:
        return 0
    return ConsentChange.objects.filter(
        confirmed_at__isnull=True, first_sent_in__isnull=False, first_sent_in__created_at__lte=cutoff
    ).update(confirmed_at=timezone.now(), confirmed_by=run)
