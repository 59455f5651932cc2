"""Streaming reader of a bundle's CSV files: hash, count, parse, check every field.

Each file is read once, in chunks, never whole: the bytes feed the SHA-256, the
text feeds Python's CSV parser (the one authority on what a row is, on every
database), every field is checked against its column's rule, and each row goes,
normalized, to a sink (a staging table, or on a first load straight into the
portal's table). Problems carry file, line, column, value and reason.

Normalized values: text as is; dates ``YYYY-MM-DD``; amounts and quantities with
a decimal point (``1234,56`` → ``1234.56``); NRB without spaces; an empty
optional field → ``None`` (or ``""`` for text columns Django keeps NOT NULL).

Fast mode (PostgreSQL, ``stop_on_problem``): a file whose every column is of a
kind the server's types can finish checking goes to the server as it is, in runs
of records that one compiled pattern describes (each field's format, a separator
and quotes only where Python's CSV rules and the server's agree, commas only as
decimal commas, which become points). Any other record is read by the rows
path's rules and sent normalized. The server refuses what the pattern leaves to
it (days that do not exist, texts over their length, invalid UTF-8); any problem,
found by Python or the server, ends the fast attempt, and the rows path names it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

from django.utils.translation import gettext as _

from billing.ksef import sha256_base64
from sync.container import Container, Manifest
from sync.kinds import Converter, Decimal, FieldError
from sync.problems import ProblemLog, bundle_amount
from sync.schema import Column, FileSpec

CHUNK = 1 << 20
SURROGATES = re.compile("[\udc80-\udcff]")
PDF_MAGIC = b"%PDF-"


class Fallback(Exception):
    """Raised in the fast mode at the first problem: the import starts again through
    staging tables, which name every problem with its line."""


class Sink(Protocol):
    def write(self, row: list[Any]) -> None: ...

    def close(self) -> None: ...

    def abort(self, exc: BaseException) -> None: ...


class RawSink(Protocol):
    """Takes the file's own CSV bytes (records in the header's column order)."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...

    def abort(self, exc: BaseException) -> None: ...


class Target(Protocol):
    """Where a file's rows go (sync/db.py): normalized rows, or (PostgreSQL, fast mode)
    the file's own CSV records, which the server parses."""

    @property
    def null(self) -> str | None:
        """What a row takes for "no value"."""

    def rows(self) -> Sink: ...

    def csv(self, columns: list[str], force_not_null: list[str], *, size: int) -> RawSink | None: ...


@dataclass
class FileResult:
    stem: str
    rows: int = 0
    bytes: int = 0
    sha256: str = ""
    read_seconds: float = 0.0


# --- field rules (each kind's in sync/kinds.py) --------------------------------------------------

Plan = list[tuple[int, Column, Converter]]  # per column of the spec: its place in the record (-1: absent)


def _converter(col: Column, null: str | None) -> Converter:
    """Raw field → normalized value, raising FieldError with a Polish reason.
    ``null`` is what the sink takes for "no value" (None, or a marker for COPY)."""
    return col.rules.convert(col, null)


def _compile_row_check(plan: Plan, null: str | None) -> Callable[..., list[Any]]:
    """A function checking one row of a file with a given header: fields → normalized list
    (a bad field becomes "no value" there, after its problem is reported).

    Generated once per file, because this runs for every one of millions of rows:
    each column gets its kind's common case as one inline test (``Kind.inline``: a
    length, a set lookup, the kind's format, a cache hit for dates); anything else goes
    to the column's converter, which normalizes the rare cases (empty fields) or raises
    the Polish reason.
    """
    namespace: dict[str, Any] = {"FieldError": FieldError, "null": null}
    code = ["def check(f, start, problem, filename):"]
    for i, (index, col, convert) in enumerate(plan):
        namespace[f"convert{i}"] = convert
        namespace[f"name{i}"] = col.name
        code.append(f"    v = f[{index}]" if index >= 0 else '    v = ""')
        fast = col.rules.inline(col, i, namespace)
        slow = [
            "try:",
            f"    x{i} = convert{i}(v)",
            "except FieldError as exc:",
            f"    x{i} = null",
            f"    problem(filename, start, name{i}, v, exc.code, exc.reason)",
        ]
        if fast:
            code += [f"    if {fast[0]}:", f"        x{i} = {fast[1]}", "    else:"]
            code += ["        " + line for line in slow]
        else:
            code += ["    " + line for line in slow]
    values = ", ".join(f"x{i}" for i in range(len(plan)))
    code.append(f"    return [str(start), {values}]")
    exec(compile("\n".join(code), "<row check>", "exec"), namespace)  # noqa: S102 - generated from sync/kinds.py
    check: Callable[..., list[Any]] = namespace["check"]
    return check


def _cents(value: str) -> int:
    whole, _, frac = value.partition(".")
    cents = abs(int(whole)) * 100 + int((frac + "00")[:2])
    return -cents if whole.startswith("-") else cents


# --- fast mode: records the server may parse itself ------------------------------------------------


def _fast_field(col: Column) -> bytes | None:
    """A bytes pattern for values of ``col`` that need nothing but the server's type input
    (None: some rule of the kind needs Python); optional columns may be empty."""
    field = col.rules.fast_field(col)
    if field is None or col.required:
        return field
    return b"(?:" + field + b")?"


def _fast_pattern(columns: list[Column], eol: bytes) -> re.Pattern[bytes]:
    """Any number of whole records, one per line, each field matching its column's fast pattern."""
    fields = []
    for col in columns:
        field = _fast_field(col)
        if field is None:
            raise ValueError(f"{col.name}: a {col.kind} column has no fast pattern (see _fast_plan)")
        fields.append(field)
    record = b";".join(fields) + re.escape(eol)
    return re.compile(b"(?:" + record + b")*+")


@dataclass
class FastPlan:
    sink: RawSink
    pattern: re.Pattern[bytes]
    eol: bytes
    width: int
    plan: Plan
    order: list[int]  # for each header column, its place in check_row's output
    null: str | None
    decimals: bool
    check_row: Callable[..., list[Any]] | None = None


class _NeedMore(Exception):
    pass


# --- the reader --------------------------------------------------------------------------------


class HashingStream(io.RawIOBase):
    """Passes a member's bytes through, updating SHA-256, size, progress and the
    "invalid UTF-8 seen" flag (checked per chunk, so the costly per-line check runs
    only in files that have such bytes)."""

    def __init__(self, raw: IO[bytes], progress: Callable[[int], None] | None = None) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.bytes = 0
        self.progress = progress
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.bad_utf8 = False
        self.check_utf8 = True  # off when the server checks the bytes (fast mode's own records)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        if n:
            buffer[:n] = data
            self.sha.update(data)
            self.bytes += n
            if self.check_utf8 and not self.bad_utf8:
                try:
                    self.decoder.decode(data)
                except UnicodeDecodeError:
                    self.bad_utf8 = True
            if self.progress is not None:
                self.progress(self.bytes)
        return n

    def drain(self) -> None:
        """Read what is left (after a fatal problem) so the hash and size are complete."""
        buffer = bytearray(CHUNK)
        while self.readinto(buffer):
            pass


def staging_columns(spec: FileSpec) -> list[str]:
    """Columns of a file's staging table: the line, the file's columns, and what the reader adds."""
    extra = ["stored_name", "sha256", "size"] if spec.stem == "documents" else []
    return ["_line", *(c.name for c in spec.columns), *extra]


class BundleReader:
    """Reads the listed files of one bundle into sinks, collecting problems."""

    def __init__(
        self,
        container: Container,
        manifest: Manifest,
        problems: ProblemLog,
        *,
        stop_on_problem: bool = False,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.container = container
        self.manifest = manifest
        self.problems = problems
        self.stop_on_problem = stop_on_problem
        self.progress = progress

    def _problem(self, *args: Any) -> None:
        self.problems.add(*args)
        if self.stop_on_problem:
            raise Fallback

    def _open(self, filename: str) -> HashingStream | None:
        if not self.container.exists(filename):
            self._problem(filename, None, "", "", "file_missing", _("Brak pliku wymienionego w manifeście."))
            return None
        total = self.container.size(filename)
        callback = None
        if self.progress is not None:
            report = self.progress

            def callback(done: int) -> None:
                report(filename, done, total)

        return HashingStream(self.container.open(filename), callback)

    def _finish(self, filename: str, stream: HashingStream, rows: int | None, result: FileResult) -> None:
        listed = self.manifest.files[filename]
        result.sha256 = stream.sha.hexdigest()
        result.bytes = stream.bytes
        if rows is not None and rows != listed.rows:
            self._problem(
                filename,
                None,
                "",
                str(rows),
                "row_count",
                _("Liczba wierszy danych (%(found)s) różni się od podanej w manifeście (%(listed)s).")
                % {"found": rows, "listed": listed.rows},
            )
        if result.sha256 != listed.sha256:
            self._problem(
                filename,
                None,
                "",
                result.sha256,
                "sha256",
                _("Skrót SHA-256 pliku różni się od podanego w manifeście (%(listed)s).") % {"listed": listed.sha256},
            )

    def read_other(self, filename: str) -> FileResult:
        """A listed file the portal does not use: present, with the listed hash (and rows)."""
        result = FileResult(filename)
        stream = self._open(filename)
        if stream is None:
            return result
        rows = None
        if filename.endswith(".csv"):
            text = io.TextIOWrapper(io.BufferedReader(stream, CHUNK), encoding="utf-8", errors="replace", newline="")
            reader = csv.reader(text, delimiter=";", quotechar='"')
            rows = -1
            try:
                for record in reader:
                    if record:
                        rows += 1
            except csv.Error:
                pass
            rows = max(rows, 0)
        stream.drain()
        result.rows = rows or 0
        self._finish(filename, stream, rows, result)
        return result

    def read_file(self, spec: FileSpec, target: Target) -> FileResult:
        filename = spec.filename
        result = FileResult(spec.stem)
        stream = self._open(filename)
        if stream is None:
            return result
        with stream:
            buffered = io.BufferedReader(stream, CHUNK)
            fast = self._fast_plan(spec, buffered, target) if self.stop_on_problem else None
            sink: Sink | RawSink | None = None
            try:
                if fast is not None:
                    sink = fast.sink
                    stream.check_utf8 = False  # the server refuses invalid UTF-8 (and the import starts again)
                    rows = self._records(spec, buffered, stream, fast)
                else:
                    sink = target.rows()
                    rows = self._rows(spec, buffered, stream, sink, target.null, filename)
                sink.close()
            except BaseException as exc:
                if sink is not None:
                    sink.abort(exc)
                raise
            stream.drain()
        result.rows = rows
        self._finish(filename, stream, rows, result)
        return result

    # --- fast mode: the server parses the file's own records ------------------------------------
    def _fast_plan(self, spec: FileSpec, buffered: io.BufferedReader[HashingStream], target: Target) -> FastPlan | None:
        """Whether the file's records can go to the server as they are (fast mode on
        PostgreSQL, a clean header, every column a kind the pattern describes)."""
        head = buffered.peek(CHUNK)
        end = head.find(b"\n")
        if (
            end < 0
            or any(_fast_field(c) is None for c in spec.columns)
            or (spec.stem in ROW_RULES and not ROW_RULES[spec.stem].sql)
        ):
            return None
        header_bytes = head[: end + 1]
        try:
            header_line = header_bytes.decode("utf-8")
        except UnicodeDecodeError:
            return None
        eol = b"\r\n" if header_bytes.endswith(b"\r\n") else b"\n"
        header_line = header_line.removeprefix("\ufeff").rstrip("\r\n")
        if any(c in header_line for c in '"\r\x00'):
            return None
        header = [name.strip() for name in header_line.split(";")]
        by_name = {c.name: c for c in spec.columns}
        if len(set(header)) != len(header) or any(name not in by_name for name in header):
            return None  # duplicate or unknown columns: the rows path reports or skips them
        missing = [c for c in spec.columns if c.name not in header]
        if any(c.required or c.empty is not None for c in missing):
            return None
        force_not_null = [name for name in header if by_name[name].empty == ""]
        sink = target.csv(header, force_not_null, size=self.container.size(spec.filename))
        if sink is None:
            return None
        buffered.read(len(header_bytes))
        pattern = _fast_pattern([by_name[name] for name in header], eol)
        plan = [(header.index(c.name) if c.name in header else -1, c, _converter(c, target.null)) for c in spec.columns]
        position = {c.name: i + 1 for i, c in enumerate(spec.columns)}  # in check_row's output
        return FastPlan(
            sink=sink,
            pattern=pattern,
            eol=eol,
            width=len(header),
            plan=plan,
            order=[position[name] for name in header],
            null=target.null,
            decimals=any(isinstance(by_name[name].rules, Decimal) for name in header),
        )

    def _records(
        self, spec: FileSpec, buffered: io.BufferedReader[HashingStream], stream: HashingStream, fast: FastPlan
    ) -> int:
        """Records the pattern describes go to the server as they are (decimal commas made
        points: the pattern allows a comma nowhere else); any other record is read by
        Python's rules, checked and sent normalized. Any problem ends the fast mode
        (Fallback): the import runs again through staging tables, which name every problem."""
        match = fast.pattern.match
        write = fast.sink.write
        rows = 0
        buf = b""
        final = False
        while not final:
            data = buffered.read(CHUNK)
            if stream.bad_utf8:
                raise Fallback
            if data:
                buf = buf + data if buf else data
                cut = buf.rfind(b"\n") + 1
                if not cut:
                    continue
            else:
                final = True
                if not buf:
                    break
                if not buf.endswith(b"\n"):
                    buf += fast.eol  # the last record has no line end
                cut = len(buf)
            out = []
            pos = 0
            while pos < cut:
                found = match(buf, pos, cut)  # the pattern (``*+``) matches here, if only nothing
                end = found.end() if found else pos
                if end > pos:
                    segment = buf[pos:end]
                    rows += segment.count(b"\n")
                    out.append(segment.replace(b",", b".") if fast.decimals else segment)
                    pos = end
                    if pos >= cut:
                        break
                record = self._other_record(spec, buf, pos, cut, final, fast)
                if record is None:
                    break  # a quoted record runs on past what was read: read more
                pos, rendered = record
                if rendered is not None:
                    rows += 1
                    out.append(rendered)
            if out:
                write(b"".join(out))
            buf = buf[pos:]
        return rows

    def _other_record(
        self, spec: FileSpec, buf: bytes, pos: int, cut: int, final: bool, fast: FastPlan
    ) -> tuple[int, bytes | None] | None:
        """One record at ``pos`` read by the rows path's rules: (end, its CSV line or None for a
        blank line), or None when it is not complete before ``cut``. Anything the rows path
        would report, or read otherwise than the server (a lone CR, NUL), ends the fast mode."""
        newline = buf.index(b"\n", pos, cut)
        try:
            line = buf[pos : newline + 1].decode("utf-8")
        except UnicodeDecodeError:
            raise Fallback from None
        if '"' in line:
            consumed = [newline + 1]

            def more() -> Iterator[str]:
                yield line
                start = consumed[0]
                while True:
                    if start >= cut:
                        if final:
                            return
                        raise _NeedMore
                    nl = buf.index(b"\n", start, cut)
                    try:
                        text = buf[start : nl + 1].decode("utf-8")
                    except UnicodeDecodeError:
                        raise Fallback from None
                    start = consumed[0] = nl + 1
                    yield text

            reader = csv.reader(more(), delimiter=";", quotechar='"', doublequote=True, strict=True)
            try:
                fields = next(reader)
            except _NeedMore:
                return None
            except (csv.Error, StopIteration):
                raise Fallback from None
            end = consumed[0]
            raw = buf[pos:end]
        else:
            end = newline + 1
            raw = buf[pos:end]
            stripped = line[:-2] if line.endswith("\r\n") else line[:-1]
            if not stripped:
                return end, None  # a blank line is no row
            fields = stripped.split(";")
        if b"\x00" in raw or b"\r" in raw.replace(b"\r\n", b""):
            raise Fallback
        if len(fields) != fast.width:
            raise Fallback
        if fast.check_row is None:  # compiled at the first record that needs it
            fast.check_row = _compile_row_check(fast.plan, fast.null)
        out = fast.check_row(fields, 0, self._problem, spec.filename)  # a problem raises Fallback
        null = fast.null
        parts = []
        for i in fast.order:
            v = out[i]
            if v is null or v is None:
                parts.append("")
            elif not v or any(c in v for c in ';"\r\n\\'):
                parts.append('"' + v.replace('"', '""') + '"')
            else:
                parts.append(v)
        return end, ";".join(parts).encode("utf-8") + fast.eol

    # --- the rows path ------------------------------------------------------------------------
    # The loop below runs once per row of files with millions of rows: it is
    # written for speed (locals, a fast path for lines without quotes).
    def _rows(
        self,
        spec: FileSpec,
        buffered: io.BufferedReader[HashingStream],
        stream: HashingStream,
        sink: Sink,
        null: str | None,
        filename: str,
    ) -> int:
        text = io.TextIOWrapper(buffered, encoding="utf-8", errors="surrogateescape", newline="")
        lines = iter(text)
        problem = self._problem
        header_line = next(lines, None)
        if header_line is None:
            problem(filename, 1, "", "", "no_header", _("Plik jest pusty: brak wiersza nagłówka."))
            return 0
        if header_line.startswith("\ufeff"):
            header_line = header_line[1:]
        header = [name.strip() for name in header_line.rstrip("\r\n").split(";")]
        if stream.bad_utf8 and SURROGATES.search(header_line):
            problem(filename, 1, "", header_line, "bad_utf8", _("Nieprawidłowe kodowanie znaków (oczekiwano UTF-8)."))
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            if name in positions:
                problem(filename, 1, name, name, "duplicate_column", _("Kolumna występuje w nagłówku dwa razy."))
            positions.setdefault(name, index)
        plan: Plan = []
        for col in spec.columns:
            index = positions.get(col.name, -1)
            if index < 0 and col.required:
                problem(filename, 1, col.name, "", "missing_column", _("Brak wymaganej kolumny w nagłówku."))
            plan.append((index, col, _converter(col, null)))
        check_row = _compile_row_check(plan, null)
        width = len(header)
        rule = ROW_RULES.get(spec.stem)
        row_check = rule.make(spec) if rule is not None else None
        context = {"container": self.container, "problem": problem, "filename": filename, "null": null}
        write = sink.write
        count = 0
        lineno = 1
        for line in lines:
            lineno += 1
            start = lineno
            if '"' in line:
                reader = csv.reader(
                    itertools.chain((line,), lines), delimiter=";", quotechar='"', doublequote=True, strict=True
                )
                try:
                    fields = next(reader)
                except csv.Error as exc:
                    lineno += reader.line_num - 1
                    count += 1
                    problem(
                        filename,
                        start,
                        "",
                        line.rstrip("\r\n"),
                        "csv_syntax",
                        _("Błąd składni CSV: %(error)s.") % {"error": exc},
                    )
                    continue
                lineno += reader.line_num - 1
            else:
                stripped = line.rstrip("\r\n")
                if not stripped:
                    continue  # a blank line is no row
                if "\x00" in stripped:
                    count += 1
                    problem(filename, start, "", "", "nul_byte", _("Wiersz zawiera bajt zerowy (NUL)."))
                    continue
                fields = stripped.split(";")
            count += 1
            if stream.bad_utf8:
                bad = [(i, f) for i, f in enumerate(fields) if SURROGATES.search(f)]
                if bad:
                    for i, f in bad:
                        column = header[i] if i < width else ""
                        problem(
                            filename,
                            start,
                            column,
                            f,
                            "bad_utf8",
                            _("Nieprawidłowe kodowanie znaków (oczekiwano UTF-8)."),
                        )
                    continue
            if len(fields) != width:
                problem(
                    filename,
                    start,
                    "",
                    ";".join(fields),
                    "field_count",
                    _("Wiersz ma %(found)s pól, a nagłówek %(width)s (wiersz ucięty albo z nadmiarowymi polami).")
                    % {"found": len(fields), "width": width},
                )
                continue
            # A row with problems is staged all the same (bad fields empty), so the checks
            # across rows still see its id: the report names every problem, not echoes of one.
            out = check_row(fields, start, problem, filename)
            if row_check is not None:
                row_check(out, start, context)
            write(out)
        return count


# --- rules across the fields of one row -----------------------------------------------------
# Each is made once per file from its spec, and finds its fields by name.

RowCheck = Callable[[list[Any], int, dict[str, Any]], bool]


@dataclass(frozen=True)
class RowRule:
    """A rule across the fields of one row: ``make(spec)`` gives the rows path's check (normalized
    row, line, context → whether it holds, reporting the problem when not); ``sql``, a condition
    that finds a breaking row among the loaded rows in the fast mode (sync/checks.py: any row
    found sends the import through the rows path, which names it), "" = no fast mode for the file."""

    make: Callable[[FileSpec], RowCheck]
    sql: str = ""


def _person(spec: FileSpec) -> RowCheck:
    last_name, company_name = spec.position("last_name"), spec.position("company_name")

    def check(row: list[Any], line: int, ctx: dict[str, Any]) -> bool:
        if row[last_name] or row[company_name]:
            return True
        ctx["problem"](
            ctx["filename"],
            line,
            "last_name",
            "",
            "name_required",
            _("Wymagane nazwisko albo nazwa firmy (company_name)."),
        )
        return False

    return check


def _invoice(spec: FileSpec) -> RowCheck:
    """KSeF (B9): ``ksef_hash`` only with ``ksef_number``; ``xml_file`` only with ``ksef_hash``,
    present in the bundle and hashing to it."""
    number, digest, xml = spec.position("ksef_number"), spec.position("ksef_hash"), spec.position("xml_file")

    def check(row: list[Any], line: int, ctx: dict[str, Any]) -> bool:
        # "" is no value (all three keep "" for none); null: a bad value, already reported
        null, problem, filename = ctx["null"], ctx["problem"], ctx["filename"]
        ksef_hash, member = row[digest], row[xml]
        ok = True
        if ksef_hash and ksef_hash != null and row[number] == "":
            problem(
                filename,
                line,
                "ksef_hash",
                ksef_hash,
                "ksef_hash_without_number",
                _("Skrót KSeF (ksef_hash) wolno podać tylko razem z numerem KSeF (ksef_number), a tego brak."),
            )
            ok = False
        if not member or member == null or ksef_hash == null:
            return ok
        if not ksef_hash:
            problem(
                filename,
                line,
                "xml_file",
                member,
                "xml_without_hash",
                _("Plik XML faktury (xml_file) wolno podać tylko razem z jego skrótem KSeF (ksef_hash), a tego brak."),
            )
            return False
        container: Container = ctx["container"]
        if not container.exists(member):
            problem(filename, line, "xml_file", member, "xml_missing", _("Brak tego pliku XML w pakiecie."))
            return False
        with container.open(member) as fh:
            found = sha256_base64(fh)
        if found != ksef_hash:
            problem(
                filename,
                line,
                "xml_file",
                member,
                "xml_hash_mismatch",
                _("Skrót SHA-256 pliku XML (%(found)s) różni się od skrótu KSeF (ksef_hash) faktury.")
                % {"found": found},
            )
            return False
        return ok

    return check


def _invoice_line(spec: FileSpec) -> RowCheck:
    net_at, vat_at, gross_at = spec.position("net"), spec.position("vat"), spec.position("gross")

    def check(row: list[Any], line: int, ctx: dict[str, Any]) -> bool:
        net, vat, gross = row[net_at], row[vat_at], row[gross_at]
        if ctx["null"] in (net, vat, gross):
            return True  # already reported
        if _cents(net) + _cents(vat) == _cents(gross):
            return True
        ctx["problem"](
            ctx["filename"],
            line,
            "gross",
            gross.replace(".", ","),
            "line_gross",
            _("Brutto pozycji różne od netto + VAT (%(sum)s).") % {"sum": bundle_amount(_cents(net) + _cents(vat))},
        )
        return False

    return check


def _document(spec: FileSpec) -> RowCheck:
    """Also adds what the merge stores (staging_columns): stored_name, sha256, size."""
    file_at = spec.position("file")

    def check(row: list[Any], line: int, ctx: dict[str, Any]) -> bool:
        member = row[file_at]
        null = ctx["null"]
        if member == null:
            row.extend([null, null, null])
            return True
        container: Container = ctx["container"]
        if not container.exists(member):
            row.extend([null, null, null])
            ctx["problem"](
                ctx["filename"], line, "file", member, "document_missing", _("Brak tego pliku PDF w pakiecie.")
            )
            return False
        sha = hashlib.sha256()
        size = 0
        with container.open(member) as fh:
            head = fh.read(len(PDF_MAGIC))
            sha.update(head)
            size += len(head)
            while chunk := fh.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
        if head != PDF_MAGIC:
            row.extend([null, null, null])
            ctx["problem"](ctx["filename"], line, "file", member, "not_pdf", _("Plik nie jest dokumentem PDF."))
            return False
        digest = sha.hexdigest()
        row.extend([f"documents/{digest[:2]}/{digest}.pdf", digest, str(size)])
        return True

    return check


ROW_RULES: dict[str, RowRule] = {
    "persons": RowRule(_person),
    # No fast mode for invoices: their XML files are read from the container (as documents are).
    "invoices": RowRule(_invoice),
    "invoice_lines": RowRule(_invoice_line, sql="net + vat <> gross"),
    "documents": RowRule(_document),
}
