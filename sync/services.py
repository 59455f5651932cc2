"""Importing bundles: one bundle (command, task), the nightly inbox, and what follows an import.

``bundle_import`` is the one entry point. It records an ``ImportRun`` first (so
a killed import leaves a trace), takes the import lock, checks the manifest,
idempotence and staleness, then loads, checks and merges the whole bundle in
ONE transaction: tenants read the previous state until it commits, and a
refused, failed or killed import leaves the data exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import grant_running_after_q
from accounts.models import UnitGrant
from accounts.services import grants_end_for_title
from billing.ksef import xml_storage_name
from billing.models import Document, Invoice, Title
from billing.tasks import after_import as billing_after_import
from payments.services import LedgerReconciliation, payments_reconcile_ledger
from portal.links import absolute_reverse
from portal.models import EmailMessage
from portal.services.audit import audit_log
from portal.services.mail import email_queue
from sync import outbound
from sync.checks import run_checks
from sync.container import MANIFEST, Container, Manifest, _line_of, open_container, read_manifest
from sync.db import Database, Shadow, Target
from sync.merge import ENTITIES, Merger
from sync.models import ImportProblem, ImportRun
from sync.problems import ProblemLog
from sync.reader import BundleReader, Fallback
from sync.schema import FILES
from sync.selectors import import_finished_at, import_is_stale, last_successful_import

logger = logging.getLogger(__name__)

LOCK_KEY = 4_004_001  # pg advisory lock: one import at a time
EMAIL_PROBLEMS = 100  # problems listed in the staff e-mail; the rest are in admin
BULK_MEMORY = "256MB"  # maintenance_work_mem (at least) for the indexes an import builds
WORK_MEMORY = "64MB"  # work_mem (at least) for the import's joins over a whole bundle
UNIQUE_FROM = 1000  # rows of a staging table from which fast mode finds duplicate ids by a unique index


class Refused(Exception):
    """The bundle breaks the format; the problems are in the run's ProblemLog."""


class ImportBusy(Exception):
    pass


@contextlib.contextmanager
def import_lock() -> Iterator[None]:
    """One import at a time (the nightly task and a manual command may meet)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if not cursor.fetchone()[0]:
                raise ImportBusy
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        return
    import fcntl

    lock_path = Path(str(settings.DATABASES["default"]["NAME"]) + ".sync-lock")
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImportBusy from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


ProgressCallback = Callable[[str, int, int], None]


def bundle_import(
    *,
    path: Path | str,
    trigger: str = ImportRun.Trigger.COMMAND,
    fast: bool = True,
    progress: ProgressCallback | None = None,
) -> ImportRun:
    """Import one bundle (a directory or a .zip). Returns its run: imported,
    already_imported, refused (with problems) or failed. Never raises for a bad bundle.

    ``fast`` (PostgreSQL): the server parses the records the reader's pattern
    vouches for, and a full bundle's file whose table is still empty goes straight
    into that table (into a shadow of it for the ledger, readings, invoices and
    their lines, indexed in bulk and swapped in at the end). Any problem then
    restarts the import through the rows path and staging tables, which report
    every problem with its line.
    """
    path = Path(path)
    clock = time.perf_counter()
    run = ImportRun.objects.create(bundle=str(path), trigger=trigger)
    problems = ProblemLog()
    container: Container | None = None
    timings: dict[str, float] = {}
    try:
        with import_lock():
            _mark_interrupted(run)
            container = open_container(path, problems)
            manifest = read_manifest(container, problems) if container else None
            if container is None or manifest is None:
                raise Refused
            run.export_id, run.source, run.sequence = manifest.export_id, manifest.source, manifest.sequence
            run.kind, run.as_of = manifest.kind, manifest.as_of
            run.save(update_fields=["export_id", "source", "sequence", "kind", "as_of"])
            if ImportRun.objects.filter(export_id=manifest.export_id, status=ImportRun.Status.IMPORTED).exists():
                run.status = ImportRun.Status.ALREADY_IMPORTED
                run.message = _("Pakiet %(id)s był już wczytany — nic nie zmieniono.") % {"id": manifest.export_id}
            else:
                _refuse_if_stale(manifest, container, problems)
                use_fast = fast and connection.vendor == "postgresql"
                try:
                    _load_check_merge(
                        run, container, manifest, problems, fast=use_fast, progress=progress, timings=timings
                    )
                except Fallback:
                    problems.close()
                    problems = ProblemLog()
                    timings["fast_attempt"] = round(time.perf_counter() - clock, 3)
                    _load_check_merge(
                        run, container, manifest, problems, fast=False, progress=progress, timings=timings
                    )
                run.refresh_from_db()
    except Refused:
        run.status = ImportRun.Status.REFUSED
        run.problem_count = problems.count
        run.message = _("Pakiet odrzucony: %(problems)s; dane portalu nie zmieniły się.") % {
            "problems": _problems_noun(problems.count)
        }
    except ImportBusy:
        run.status = ImportRun.Status.FAILED
        run.message = _("Inny import jest właśnie w toku; spróbuj ponownie później.")
    except Exception as exc:
        logger.exception("bundle import %s failed", path)
        run.status = ImportRun.Status.FAILED
        run.message = _("Import przerwany błędem (%(error)s); dane portalu nie zmieniły się.") % {
            "error": f"{type(exc).__name__}: {exc}"
        }
    finally:
        if container is not None:
            container.close()
    timings["total"] = round(time.perf_counter() - clock, 3)
    run.timings = {**run.timings, **timings}
    run.finished_at = timezone.now()
    run.save()
    if run.status == ImportRun.Status.IMPORTED:
        # Issue 5: e-mail new invoices and documents. Queued once the data is committed; the
        # mailing is the worker's job and its own time, not the import's (with tasks run
        # in-process, the embedded default, it runs here, after the import is timed).
        try:
            billing_after_import.delay(run.pk)
        except Exception:  # the data is in; a mailing that cannot start is retried by the next import
            logger.exception("queueing the mailing after import %s failed", run.pk)
    if run.status == ImportRun.Status.REFUSED:
        _store_problems(run, problems)
    problems.close()
    if run.status in (ImportRun.Status.REFUSED, ImportRun.Status.FAILED):
        _notify_staff(run)
    return run


def _mark_interrupted(current: ImportRun) -> None:
    """Runs still "running" while we hold the lock were killed (kill -9, power cut)."""
    ImportRun.objects.filter(status=ImportRun.Status.RUNNING).exclude(pk=current.pk).update(
        status=ImportRun.Status.INTERRUPTED,
        finished_at=timezone.now(),
        message=_("Import przerwany (proces zakończony w trakcie); dane portalu nie zmieniły się."),
    )


def _refuse_if_stale(manifest: Manifest, container: Container, problems: ProblemLog) -> None:
    last = ImportRun.objects.filter(source=manifest.source, status=ImportRun.Status.IMPORTED).aggregate(
        last=Max("sequence")
    )["last"]
    if last is not None and manifest.sequence <= last:
        text = container.open(MANIFEST).read().decode("utf-8-sig", "replace")
        problems.add(
            MANIFEST,
            _line_of(text, "sequence"),
            "sequence",
            str(manifest.sequence),
            "stale",
            _(
                "Pakiet nieaktualny: numer kolejny nie jest większy niż numer ostatnio wczytanego pakietu "
                "z tego systemu (%(last)s)."
            )
            % {"last": last},
        )
        raise Refused


def _load_check_merge(
    run: ImportRun,
    container: Container,
    manifest: Manifest,
    problems: ProblemLog,
    *,
    fast: bool,
    progress: ProgressCallback | None,
    timings: dict[str, float],
) -> None:
    """Everything that touches the data, in one transaction."""
    counts: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        db = Database(connection)
        if db.pg:
            # The rows a merge touches are cached: index lookups cost little, and a
            # delta's few thousand lookups beat scanning a million-row table.
            db.execute("SET LOCAL random_page_cost = 1.1")
            # The import is idempotent and re-runnable: its commit need not wait for the disk.
            db.execute("SET LOCAL synchronous_commit = off")
            # Memory for sorts and hashes over a whole bundle (never less than the server's own).
            for setting, size in (("maintenance_work_mem", BULK_MEMORY), ("work_mem", WORK_MEMORY)):
                db.execute(
                    "SELECT set_config(%s, %s, true) WHERE pg_size_bytes(current_setting(%s)) < pg_size_bytes(%s)",
                    [setting, size, setting, size],
                )
        clock = time.perf_counter()
        direct: dict[str, Target] = {}
        shadows: dict[str, Shadow] = {}
        targets: dict[str, Target] = {}
        unique: set[str] = set()  # staging tables whose key has a unique index
        for stem, spec in FILES.items():
            entity = ENTITIES.get(stem)
            listed = spec.filename in manifest.files
            if not listed:
                db.create_empty(spec)
                continue
            if fast and manifest.is_full and entity is not None and entity.direct and db.table_is_empty(entity.table):
                table = entity.table
                raw = not entity.copy_suffix
                if entity.shadow and Shadow.possible(db, entity.table):
                    shadows[stem] = Shadow(db, entity.table)
                    shadows[stem].create(defaults=dict(entity.copy_suffix), fillfactor=entity.fillfactor)
                    table, raw = shadows[stem].name, True
                db.create_direct_view(stem, table, entity.copy_columns)
                columns = dict(zip((c.name for c in spec.columns), entity.copy_columns, strict=True))
                direct[stem] = targets[stem] = Target(db, table, columns, suffix=entity.copy_suffix, raw=raw)
            else:
                db.create_staging(spec)
                targets[stem] = db.staging_target(spec, raw=fast)
        reader = BundleReader(container, manifest, problems, stop_on_problem=fast, progress=progress)
        for stem, spec in FILES.items():
            if spec.filename not in manifest.files:
                continue
            file_clock = time.perf_counter()
            try:
                result = reader.read_file(spec, targets[stem])
                if stem in shadows:
                    build_clock = time.perf_counter()
                    shadows[stem].build()  # indexes in bulk: a duplicate id fails here
                    timings[f"index_{stem}"] = round(time.perf_counter() - build_clock, 3)
                elif fast and stem not in direct and spec.key and result.rows >= UNIQUE_FROM:
                    # A unique index finds a duplicate id faster than grouping (and fails the
                    # import over to the rows path, which names the lines); joins may use it too.
                    db.execute(f"CREATE UNIQUE INDEX ON b_{stem} ({', '.join(spec.key)})")
                    unique.add(stem)
            except Exception as exc:
                if fast and not isinstance(exc, Fallback):
                    raise Fallback from exc  # e.g. a duplicate id hit a unique index
                raise
            counts[stem] = {"rows": result.rows}
            if stem in direct:
                counts[stem]["inserted"] = result.rows
            if result.rows >= 50_000 and stem not in shadows:
                # plans for the checks and the merge, on the columns they join on
                joined = list(dict.fromkeys([*spec.key, *(ref.column for ref in spec.refs)])) or [
                    c.name for c in spec.columns
                ]
                target = targets[stem]
                db.analyze(target.table, [target.columns.get(c, c) for c in joined])
            timings[f"read_{stem}"] = round(time.perf_counter() - file_clock, 3)
        for name in manifest.files:
            if name.removesuffix(".csv") not in FILES:
                reader.read_other(name)
        timings["read"] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()
        rows = {stem: c["rows"] for stem, c in counts.items()}
        found = run_checks(db, full=manifest.is_full, rows=rows, fast=fast, direct=direct, unique=unique)
        timings["checks"] = round(time.perf_counter() - clock, 3)
        if found and fast:
            raise Fallback
        problems.extend(found)
        if problems:
            raise Refused
        clock = time.perf_counter()
        now = timezone.now()
        today = timezone.localdate()
        staged = {stem: c.get("rows", 0) for stem, c in counts.items() if stem not in direct}
        merged = Merger(
            db, full=manifest.is_full, direct=set(direct), staged=staged, container=container, now=now, today=today
        ).run()
        for stem, bucket in merged.counts.items():
            counts.setdefault(stem, {}).update(bucket)
        grants_ended = merged.grants_ended + titles_end_access(today=today)
        confirmed_consents = outbound.confirm_after_import(run=run, as_of=manifest.as_of)
        db.drop_temp()
        for shadow in shadows.values():  # last: the old tables are locked from here to the commit
            shadow.swap()
        # Online payments follow the ledger as it now is (after the swap: the ORM reads the real table).
        bookings = payments_reconcile_ledger()
        timings["merge"] = round(time.perf_counter() - clock, 3)
        summary = _summary(manifest, counts, grants_ended, confirmed_consents, bookings)
        # The run turns "imported" in the same commit as the data: idempotence holds even after a crash.
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.IMPORTED,
            counts={
                **counts,
                "grants_ended": grants_ended,
                "consents_confirmed": confirmed_consents,
                "payments_booked": len(bookings.booked),
                "payments_unbooked": len(bookings.unbooked),
                "payment_warnings": len(bookings.warnings),
            },
            message=summary,
            timings={**timings, "mode": "fast" if fast else "staging"},
        )
        audit_log(
            action="sync.import",
            obj=run,
            actor_label="system",
            details={"export_id": manifest.export_id, "kind": manifest.kind, "sequence": manifest.sequence},
        )
        orphans, orphan_xml = merged.orphan_files, merged.orphan_xml_hashes
        transaction.on_commit(lambda: _delete_orphan_files(orphans, orphan_xml))


def _delete_orphan_files(names: list[str], xml_hashes: list[str]) -> None:
    for name in names:
        if name and not Document.objects.filter(file=name).exists():
            default_storage.delete(name)
    for ksef_hash in xml_hashes:
        if not Invoice.objects.filter(ksef_hash=ksef_hash).exclude(xml_file="").exists():
            default_storage.delete(xml_storage_name(ksef_hash))


def titles_end_access(*, today: dt.date | None = None) -> int:
    """A10: a title whose ``valid_to`` has passed ends its holder's access to the unit,
    unless the same person holds another title to it valid today. Safe to run daily."""
    today = today or timezone.localdate()
    still_valid = Title.objects.filter(unit=OuterRef("unit"), person=OuterRef("person")).filter(Title.active_q(today))
    later_ended = Title.objects.filter(
        unit=OuterRef("unit"), person=OuterRef("person"), valid_to__lt=today, valid_to__gt=OuterRef("valid_to")
    )
    running_grant = UnitGrant.objects.filter(
        grant_running_after_q(OuterRef("valid_to")), unit=OuterRef("unit"), user__person=OuterRef("person")
    )
    ended = (
        Title.objects.filter(valid_to__lt=today)
        .exclude(Exists(still_valid))
        .exclude(Exists(later_ended))
        .filter(Exists(running_grant))
        .order_by("pk")
    )
    return sum(
        grants_end_for_title(title_id=title.pk, on=title.valid_to)
        for title in ended
        if title.valid_to is not None  # always: the query takes titles that ended
    )


def _problems_noun(n: int) -> str:
    # Polish has three plural forms; the portal's source language is Polish.
    if n == 1:
        return _("1 problem")
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return _("%(n)d problemy") % {"n": n}
    return _("%(n)d problemów") % {"n": n}


def _summary(
    manifest: Manifest,
    counts: dict[str, dict[str, int]],
    grants_ended: int,
    consents: int,
    bookings: LedgerReconciliation,
) -> str:
    lines = [
        _("Wczytano pakiet %(id)s (%(kind)s, numer %(sequence)s).")
        % {"id": manifest.export_id, "kind": manifest.kind, "sequence": manifest.sequence}
    ]
    labels = (
        ("inserted", _("nowe")),
        ("updated", _("zmienione")),
        ("removed", _("usunięte")),
        ("withdrawn", _("wycofane")),
        ("confirmed", _("potwierdzone odczyty lokatorów")),
    )
    for stem, c in counts.items():
        parts = [_("%(n)s wierszy") % {"n": c["rows"]}] if "rows" in c else []
        parts += [f"{label}: {c[key]}" for key, label in labels if c.get(key)]
        lines.append(f"  {stem}: " + ", ".join(parts))
    if grants_ended:
        lines.append("  " + _("zakończone dostępy do lokali (tytuł prawny wygasł): %(n)s") % {"n": grants_ended})
    if consents:
        lines.append("  " + _("potwierdzone zmiany zgód: %(n)s") % {"n": consents})
    if bookings.booked:
        lines.append("  " + _("zaksięgowane płatności online: %(ids)s") % {"ids": ", ".join(bookings.booked)})
    if bookings.unbooked:
        lines.append(
            "  "
            + _("płatności online znów w trakcie księgowania (zapis kartoteki zniknął): %(ids)s")
            % {"ids": ", ".join(bookings.unbooked)}
        )
    lines += ["  " + _("Uwaga: %(warning)s") % {"warning": warning} for warning in bookings.warnings]
    return "\n".join(lines)


def _store_problems(run: ImportRun, problems: ProblemLog) -> None:
    batch: list[ImportProblem] = []
    for position, p in enumerate(problems, start=1):
        batch.append(
            ImportProblem(
                run=run,
                position=position,
                file=p.file[:200],
                line=p.line,
                column=p.column[:100],
                value=p.value,
                code=p.code,
                reason=p.reason,
            )
        )
        if len(batch) >= 2000:
            ImportProblem.objects.bulk_create(batch)
            batch = []
    if batch:
        ImportProblem.objects.bulk_create(batch)


def _notify_staff(run: ImportRun) -> None:
    """The report goes to staff (rule 1): what happened, the first problems, a link to all of them."""
    if not settings.STAFF_NOTIFY_EMAILS:
        return
    first = [p.as_text() for p in run.problems.order_by("position")[:EMAIL_PROBLEMS]]
    email_queue(
        to=settings.STAFF_NOTIFY_EMAILS,
        template="sync_report",
        context={
            "run": run,
            "problems": first,
            "more": max(run.problem_count - len(first), 0),
            "admin_url": absolute_reverse("admin:sync_importrun_change", run.pk),
        },
        dedup_key=f"sync-run-{run.pk}",
    )


# --- the nightly inbox --------------------------------------------------------------------------


def _inbox_entries(inbox: Path) -> list[tuple[int, str, Path]]:
    """New bundles in the inbox, in ``sequence`` order. Entries still being written
    (hidden, ``.part``, ``.tmp``) are left alone: the back-office renames a bundle
    into place when it is complete."""
    import json
    import zipfile

    entries: list[tuple[int, str, Path]] = []
    if not inbox.is_dir():
        return entries
    for path in inbox.iterdir():
        if path.name.startswith(".") or path.suffix in (".part", ".tmp"):
            continue
        sequence = 2**63
        try:
            if path.is_dir() and (path / MANIFEST).is_file():
                sequence = int(json.loads((path / MANIFEST).read_text("utf-8-sig"))["sequence"])
            elif path.is_file() and path.suffix == ".zip":
                with zipfile.ZipFile(path) as zf:
                    name = next(n for n in zf.namelist() if n.rsplit("/", 1)[-1] == MANIFEST)
                    sequence = int(json.loads(zf.read(name).decode("utf-8-sig"))["sequence"])
            else:
                continue
        except Exception:  # noqa: BLE001, S110 - an unreadable manifest is refused by the import itself
            pass
        entries.append((sequence, path.name, path))
    return sorted(entries)


def _archive(path: Path, run: ImportRun) -> None:
    target_dir = settings.BUNDLE_ARCHIVE / ("refused" if run.status == ImportRun.Status.REFUSED else "")
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{path.name}.run{run.pk}"
    shutil.move(str(path), str(target))
    run.archived_to = str(target)
    run.save(update_fields=["archived_to"])


def inbox_process(*, trigger: str = ImportRun.Trigger.NIGHTLY) -> list[ImportRun]:
    """Import every new bundle of BUNDLE_INBOX in sequence order and archive it.

    A refused bundle is archived (under ``refused/``) and stops the batch: later
    deltas would build on changes that were not applied; they wait for the next run.
    A failed import (e.g. the database was away) leaves its bundle in the inbox.
    """
    runs = []
    for _sequence, _name, path in _inbox_entries(settings.BUNDLE_INBOX):
        run = bundle_import(path=path, trigger=trigger)
        runs.append(run)
        if run.status == ImportRun.Status.FAILED:
            break
        _archive(path, run)
        if run.status == ImportRun.Status.REFUSED:
            break
    return runs


def nightly() -> dict[str, Any]:
    """The nightly job: import the inbox, end access of titles that ended, write the outbound bundle."""
    runs = inbox_process()
    ended = titles_end_access()
    bundle = outbound.export_outbound(directory=settings.BUNDLE_OUTBOX)
    return {"runs": [r.pk for r in runs], "grants_ended": ended, "outbound": bundle.export_id}


# --- the staleness watch (issue 13, item 17) ------------------------------------------------------


def import_staleness_notify(*, now: dt.datetime | None = None) -> bool:
    """E-mail staff when no bundle was imported for more than IMPORT_STALE_HOURS.

    Once per stale period: the message's dedup key names the last successful import, so
    the hourly check sends nothing more until a new import succeeds (which re-arms it).
    Returns True when a message was queued by this call.
    """
    now = now or timezone.now()
    last = last_successful_import()
    if not settings.STAFF_NOTIFY_EMAILS or not import_is_stale(last, now=now):
        return False
    key = f"sync-stale-after-{last.pk if last else 'none'}"
    if EmailMessage.objects.filter(dedup_key=key).exists():
        return False
    email_queue(
        to=settings.STAFF_NOTIFY_EMAILS,
        template="sync_stale",
        context={
            "last": last,
            "last_at": import_finished_at(last) if last else None,
            "hours": settings.IMPORT_STALE_HOURS,
            "admin_url": absolute_reverse("admin:sync_importrun_changelist"),
        },
        dedup_key=key,
    )
    logger.warning("no bundle imported for more than %s hours; staff e-mailed", settings.IMPORT_STALE_HOURS)
    return True
