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
import datetime as dt
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

from django.utils.translation import gettext as _

from portal.validators import digits_only, nip_is_valid, nrb_is_valid, pesel_is_valid
from sync.container import Container, Manifest, member_is_safe
from sync.problems import ProblemLog
from sync.schema import ID_MAX, Column, FileSpec

_NRB_CHARS = frozenset("0123456789 ")

CHUNK = 1 << 20
SURROGATES = re.compile("[\udc80-\udcff]")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DECIMAL_RES = {
    # kind: (pattern, decimals, integer digits) — decimal comma, optional minus, no thousands separator
    "money": (re.compile(r"-?[0-9]{1,10}(?:,[0-9]{1,2})?"), 2, 10),
    "area": (re.compile(r"-?[0-9]{1,8}(?:,[0-9]{1,2})?"), 2, 8),
    "qty3": (re.compile(r"-?[0-9]{1,11}(?:,[0-9]{1,3})?"), 3, 11),
}
COUNT_RE = re.compile(r"[0-9]{1,9}")
POSTAL_RE = re.compile(r"[0-9]{2}-[0-9]{3}")
PDF_MAGIC = b"%PDF-"


class Fallback(Exception):
    """Raised in the fast mode at the first problem: the import starts again through
    staging tables, which name every problem with its line."""


class FieldError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


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

    null: str | None  # what a row takes for "no value"

    def rows(self) -> Sink: ...

    def csv(self, columns: list[str], force_not_null: list[str], *, size: int) -> RawSink | None: ...


@dataclass
class FileResult:
    stem: str
    rows: int = 0
    bytes: int = 0
    sha256: str = ""
    read_seconds: float = 0.0


# --- field rules ------------------------------------------------------------------------------


def _missing(col: Column) -> FieldError:
    return FieldError("missing", _("Brak wymaganej wartości."))


def _converter(col: Column, null: str | None) -> Callable[[str], str | None]:
    """A function: raw field → normalized value, raising FieldError with a Polish reason.
    ``null`` is what the sink takes for "no value" (None, or a marker for COPY)."""
    kind, required = col.kind, col.required
    empty = null if col.empty is None else col.empty

    if kind in ("id", "ref"):

        def conv(v: str) -> str | None:
            if 0 < len(v) <= ID_MAX:
                return v
            if not v:
                if required:
                    raise _missing(col)
                return null
            raise FieldError("too_long", _("Identyfikator dłuższy niż %(n)s znaki.") % {"n": ID_MAX})

        return conv

    if kind == "text":
        limit = col.max_length

        def conv(v: str) -> str | None:
            if not v:
                if required:
                    raise _missing(col)
                return empty
            if limit and len(v) > limit:
                raise FieldError("too_long", _("Tekst dłuższy niż %(n)s znaków.") % {"n": limit})
            return v

        return conv

    if kind == "enum":
        allowed = frozenset(col.choices)
        listing = ", ".join(col.choices)

        def conv(v: str) -> str | None:
            if v in allowed:
                return v
            if not v:
                if required:
                    raise _missing(col)
                return empty
            raise FieldError("bad_enum", _("Nieznana wartość; dozwolone: %(allowed)s.") % {"allowed": listing})

        return conv

    if kind == "date":
        seen: dict[str, str] = {}

        def conv(v: str) -> str | None:
            known = seen.get(v)
            if known is not None:
                return known
            if not v:
                if required:
                    raise _missing(col)
                return null
            if DATE_RE.fullmatch(v):
                try:
                    dt.date.fromisoformat(v)
                except ValueError:
                    raise FieldError("bad_date", _("Nie ma takiej daty w kalendarzu.")) from None
                if len(seen) < 100_000:
                    seen[v] = v
                return v
            raise FieldError("bad_date", _("Nieprawidłowa data; oczekiwano RRRR-MM-DD, np. 2026-11-20."))

        conv.seen = seen  # type: ignore[attr-defined] # read by the compiled row check
        return conv

    if kind in DECIMAL_RES:
        pattern, places, digits = DECIMAL_RES[kind]
        fullmatch = pattern.fullmatch
        reason = (
            _(
                "Kwota w złym zapisie; oczekiwano przecinka dziesiętnego, bez separatora tysięcy i wykładnika, "
                "najwyżej %(places)s miejsc po przecinku i %(digits)s cyfr przed nim (np. %(example)s)."
            )
            if kind == "money"
            else _(
                "Liczba w złym zapisie; oczekiwano przecinka dziesiętnego, bez separatora tysięcy i wykładnika, "
                "najwyżej %(places)s miejsc po przecinku i %(digits)s cyfr przed nim (np. %(example)s)."
            )
        ) % {"places": places, "digits": digits, "example": "1234,56" if places > 1 else "1234,5"}

        def conv(v: str) -> str | None:
            if fullmatch(v):
                return v.replace(",", ".")
            if not v:
                if required:
                    raise _missing(col)
                return null
            raise FieldError("bad_number", reason)

        return conv

    if kind in ("count", "posint"):
        minimum = 1 if kind == "posint" else 0

        def conv(v: str) -> str | None:
            if COUNT_RE.fullmatch(v) and int(v) >= minimum:
                return str(int(v))
            if not v:
                if required:
                    raise _missing(col)
                return null
            raise FieldError("bad_integer", _("Oczekiwano liczby całkowitej ≥ %(n)s.") % {"n": minimum})

        return conv

    if kind == "postal":

        def conv(v: str) -> str | None:
            if POSTAL_RE.fullmatch(v):
                return v
            if not v and not required:
                return empty
            if not v:
                raise _missing(col)
            raise FieldError("bad_postal_code", _("Kod pocztowy musi mieć postać NN-NNN."))

        return conv

    if kind in ("nrb", "pesel", "nip"):
        check, normalize, reason = {
            # The format is stricter than forms: digits only (spaces allowed in an NRB), no "PL".
            "nrb": (
                lambda v: set(v) <= _NRB_CHARS and nrb_is_valid(v),
                digits_only,
                _("Nieprawidłowy numer rachunku NRB: 26 cyfr (spacje dozwolone) z poprawną sumą kontrolną IBAN."),
            ),
            "pesel": (
                lambda v: v.isascii() and v.isdigit() and pesel_is_valid(v),
                str,
                _("Nieprawidłowy PESEL: 11 cyfr z poprawną cyfrą kontrolną."),
            ),
            "nip": (
                lambda v: v.isascii() and v.isdigit() and nip_is_valid(v),
                str,
                _("Nieprawidłowy NIP: 10 cyfr z poprawną cyfrą kontrolną."),
            ),
        }[kind]

        def conv(v: str) -> str | None:
            if not v:
                if required:
                    raise _missing(col)
                return empty
            if check(v):
                return normalize(v)
            raise FieldError(f"bad_{kind}", reason)

        return conv

    if kind == "path":

        def conv(v: str) -> str | None:
            if not v:
                raise _missing(col)
            if not (v.startswith("documents/") and member_is_safe(v) and v.lower().endswith(".pdf")):
                raise FieldError(
                    "bad_path", _("Plik dokumentu musi leżeć w katalogu documents/ pakietu i mieć rozszerzenie .pdf.")
                )
            return v

        return conv

    raise ValueError(f"unknown column kind {kind}")


def _compile_row_check(
    plan: list[tuple[int, Column, Callable[[str], str | None]]], null: str | None
) -> Callable[..., list]:
    """A function checking one row of a file with a given header: fields → normalized list
    (a bad field becomes "no value" there, after its problem is reported).

    Generated once per file, because this runs for every one of millions of rows:
    each column gets its common case as one inline test (a length, a set lookup,
    a regex, a cache hit for dates); anything else goes to the column's converter,
    which normalizes the rare cases (empty fields) or raises the Polish reason.
    """
    namespace: dict[str, Any] = {"FieldError": FieldError, "null": null}
    code = ["def check(f, start, problem, filename):"]
    for i, (index, col, convert) in enumerate(plan):
        namespace[f"convert{i}"] = convert
        namespace[f"name{i}"] = col.name
        code.append(f"    v = f[{index}]" if index >= 0 else '    v = ""')
        fast = None
        if col.kind in ("id", "ref"):
            fast = (f"0 < len(v) <= {ID_MAX}", "v")
        elif col.kind == "text":
            fast = (f"v and len(v) <= {col.max_length}" if col.max_length else "v", "v")
        elif col.kind == "enum":
            namespace[f"allowed{i}"] = frozenset(col.choices)
            fast = (f"v in allowed{i}", "v")
        elif col.kind == "date":
            namespace[f"seen{i}"] = convert.seen  # type: ignore[attr-defined]
            fast = (f"v in seen{i}", "v")
        elif col.kind in DECIMAL_RES:
            namespace[f"match{i}"] = DECIMAL_RES[col.kind][0].fullmatch
            fast = (f"match{i}(v)", 'v.replace(",", ".")')
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
    exec(compile("\n".join(code), "<row check>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace["check"]


def _cents(value: str) -> int:
    whole, _, frac = value.partition(".")
    cents = abs(int(whole)) * 100 + int((frac + "00")[:2])
    return -cents if whole.startswith("-") else cents


# --- fast mode: records the server may parse itself ------------------------------------------------

# Column kinds whose every rule the fast pattern and the server's types check together.
FAST_KINDS = frozenset({"id", "ref", "text", "enum", "date", "money", "area", "qty3", "count", "posint", "postal"})
_PLAIN = rb"[^;\",\\\r\n\x00]"  # a byte of an unquoted field: no separator, quote, comma, backslash, CR, LF, NUL
_QUOTED = rb'(?:[^",\\\r\n\x00]|"")'  # a byte (or a doubled quote) inside a quoted text field


def _fast_field(col: Column) -> bytes:
    """A bytes pattern for values of ``col`` that need nothing but the server's type input:
    ids and texts within their length (counted in bytes: never more than in characters),
    the enum's values, ``YYYY-MM-DD`` (the server refuses days that do not exist, as the
    rows path does), the decimal formats of DECIMAL_RES. Anything else takes the rows path's rules."""
    # Repeats are possessive (``{m,n}+``): what follows a run never matches its bytes, so
    # giving some back could not help, and not keeping the places to try saves time.
    kind = col.kind
    if kind in ("id", "ref"):
        field = _PLAIN + b"{1,%d}+" % ID_MAX
    elif kind == "text":
        n = b"{1,%d}+" % col.max_length if col.max_length else b"++"
        field = b'(?:%s%s|"%s%s")' % (_PLAIN, n, _QUOTED, n)
    elif kind == "enum":
        field = b"(?:" + b"|".join(re.escape(choice.encode()) for choice in col.choices) + b")"
    elif kind == "date":
        field = rb"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # DATE_RE
    elif kind in DECIMAL_RES:
        _pattern, places, digits = DECIMAL_RES[kind]
        field = rb"-?[0-9]{1,%d}+(?:,[0-9]{1,%d}+)?" % (digits, places)  # DECIMAL_RES
    elif kind == "count":
        field = rb"[0-9]{1,9}+"  # COUNT_RE
    elif kind == "posint":
        field = rb"[1-9][0-9]{0,8}+"
    elif kind == "postal":
        field = rb"[0-9]{2}-[0-9]{3}"  # POSTAL_RE
    else:
        raise ValueError(kind)
    return field if col.required else b"(?:" + field + b")?"


def _fast_pattern(columns: list[Column], eol: bytes) -> re.Pattern[bytes]:
    """Any number of whole records, one per line, each field matching its column's fast pattern."""
    record = b";".join(_fast_field(col) for col in columns) + re.escape(eol)
    return re.compile(b"(?:" + record + b")*+")


@dataclass
class FastPlan:
    sink: RawSink
    pattern: re.Pattern[bytes]
    eol: bytes
    width: int
    plan: list[tuple[int, Column, Callable[[str], str | None]]]
    order: list[int]  # for each header column, its place in check_row's output
    null: str | None
    decimals: bool
    check_row: Callable[..., list] | None = None


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
    def _fast_plan(self, spec: FileSpec, buffered: io.BufferedReader, target: Target) -> FastPlan | None:
        """Whether the file's records can go to the server as they are (fast mode on
        PostgreSQL, a clean header, every column a kind the pattern describes)."""
        head = buffered.peek(CHUNK)
        end = head.find(b"\n")
        if (
            end < 0
            or any(c.kind not in FAST_KINDS for c in spec.columns)
            or (spec.stem in ROW_CHECKS and spec.stem not in FAST_ROW_CHECKS)
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
            decimals=any(by_name[name].kind in DECIMAL_RES for name in header),
        )

    def _records(self, spec: FileSpec, buffered: io.BufferedReader, stream: HashingStream, fast: FastPlan) -> int:
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
                end = match(buf, pos, cut).end()
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
        buffered: io.BufferedReader,
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
        plan: list[tuple[int, Column, Callable[[str], str | None]]] = []
        for col in spec.columns:
            index = positions.get(col.name, -1)
            if index < 0 and col.required:
                problem(filename, 1, col.name, "", "missing_column", _("Brak wymaganej kolumny w nagłówku."))
            plan.append((index, col, _converter(col, null)))
        check_row = _compile_row_check(plan, null)
        width = len(header)
        row_check = ROW_CHECKS.get(spec.stem)
        context = {"container": self.container, "problem": problem, "filename": filename, "null": null}
        write = sink.write
        dialect = {"delimiter": ";", "quotechar": '"', "doublequote": True, "strict": True}
        count = 0
        lineno = 1
        for line in lines:
            lineno += 1
            start = lineno
            if '"' in line:
                reader = csv.reader(itertools.chain((line,), lines), **dialect)
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


def _check_person(row: list[Any], line: int, ctx: dict[str, Any]) -> bool:
    # row: _line, person_id, first_name, last_name, company_name, …
    if not row[3] and not row[4]:
        ctx["problem"](
            ctx["filename"],
            line,
            "last_name",
            "",
            "name_required",
            _("Wymagane nazwisko albo nazwa firmy (company_name)."),
        )
        return False
    return True


def _check_invoice_line(row: list[Any], line: int, ctx: dict[str, Any]) -> bool:
    # row: _line, invoice_id, line_no, name, quantity, unit, unit_net_price, vat_rate, net, vat, gross
    net, vat, gross = row[8], row[9], row[10]
    if ctx["null"] in (net, vat, gross):
        return True  # already reported
    if _cents(net) + _cents(vat) != _cents(gross):
        ctx["problem"](
            ctx["filename"],
            line,
            "gross",
            gross.replace(".", ","),
            "line_gross",
            _("Brutto pozycji różne od netto + VAT (%(sum)s).") % {"sum": _pl(_cents(net) + _cents(vat))},
        )
        return False
    return True


def _check_document(row: list[Any], line: int, ctx: dict[str, Any]) -> bool:
    # row: _line, document_id, person_id, unit_id, title, issued_on, file → + stored_name, sha256, size
    member = row[6]
    null = ctx["null"]
    if member == null:
        row.extend([null, null, null])
        return True
    container: Container = ctx["container"]
    if not container.exists(member):
        row.extend([null, null, null])
        ctx["problem"](ctx["filename"], line, "file", member, "document_missing", _("Brak tego pliku PDF w pakiecie."))
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


def _pl(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


# Rules across the fields of one row that the fast mode checks in SQL over the loaded rows
# (sync/checks.py: any row found sends the import through the rows path, which names it).
FAST_ROW_CHECKS = {"invoice_lines": "net + vat <> gross"}

ROW_CHECKS: dict[str, Callable[[list[Any], int, dict[str, Any]], bool]] = {
    "persons": _check_person,
    "invoice_lines": _check_invoice_line,
    "documents": _check_document,
}
