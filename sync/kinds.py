"""Column kinds of the bundle's CSV files: each kind's rules, written once.

A kind says what a field of its columns must look like and what it becomes.
Everything the import needs about a kind is derived here, from one definition:

- ``convert(col, null)``: the rows path's converter (raw field → normalized value,
  or FieldError with the Polish reason);
- ``inline(col, i, namespace)``: the common case of that converter as one inline
  test, for the row check the reader generates per file (sync/reader.py);
- ``fast_field(col)``: the bytes pattern of the fast mode, for values the server's
  types finish checking (None: the file takes the rows path);
- ``pg_type`` / ``sqlite_type``: the staging tables' column types (sync/db.py).

A kind whose rule is a format has that format as one regex source (``FORMAT``),
compiled for ``str`` (the rows path) and for ``bytes`` (the fast pattern) alike,
so the two can never drift apart. Its repeats are possessive (``{m,n}+``): what
follows a run never matches its bytes, so giving some back could not help, and not
keeping the places to try saves time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from payments.models import PAYMENT_ID_PREFIX
from portal.validators import digits_only, nip_is_valid, nrb_is_valid, pesel_is_valid

if TYPE_CHECKING:
    from sync.schema import Column

ID_MAX = 64

Converter = Callable[[str], str | None]

_PLAIN = rb"[^;\",\\\r\n\x00]"  # a byte of an unquoted field: no separator, quote, comma, backslash, CR, LF, NUL
_QUOTED = rb'(?:[^",\\\r\n\x00]|"")'  # a byte (or a doubled quote) inside a quoted text field


class FieldError(Exception):
    """A field breaks its column's rule: ``code`` for machines, ``reason`` in Polish."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def missing() -> FieldError:
    return FieldError("missing", _("Brak wymaganej wartości."))


class Kind:
    """The rules of one kind of column. Subclasses set ``name`` and say what a
    non-empty value must be (``accepts``) and becomes (``normalize``)."""

    name: ClassVar[str]
    pg_type: ClassVar[str] = "text"
    sqlite_type: ClassVar[str] = "TEXT"
    code: ClassVar[str] = ""  # the problem's code for a value the kind refuses
    # Compared byte by byte on PostgreSQL (COLLATE "C"), as the portal's id columns are.
    bytewise: ClassVar[bool] = False

    def reason(self, col: Column) -> str:
        """Why a value was refused, in Polish."""
        raise NotImplementedError

    def accepts(self, col: Column) -> Callable[[str], bool]:
        """A test of a non-empty value (the rows path)."""
        raise NotImplementedError

    def normalize(self, value: str) -> str:
        return value

    def convert(self, col: Column, null: str | None) -> Converter:
        """Raw field → normalized value; an empty optional field → ``null`` (what the sink
        takes for "no value") or the column's ``empty``; FieldError otherwise."""
        accepts, normalize = self.accepts(col), self.normalize
        required, code = col.required, self.code
        empty = null if col.empty is None else col.empty
        reason = self.reason(col)

        def conv(v: str) -> str | None:
            if v and accepts(v):
                return normalize(v)
            if not v:
                if required:
                    raise missing()
                return empty
            raise FieldError(code, reason)

        return conv

    def inline(self, col: Column, i: int, namespace: dict[str, Any]) -> tuple[str, str] | None:
        """The converter's common case as (test, value) Python expressions over ``v``, for
        the generated row check (names it needs go into ``namespace``, suffixed ``i``);
        None: every value goes through the converter."""
        return None

    def fast_field(self, col: Column) -> bytes | None:
        """A bytes pattern of the values the server's types finish checking (fast mode);
        None when some rule of the kind needs Python (the file takes the rows path)."""
        return None


class FormatKind(Kind):
    """A kind whose rule is a format: one regex source for both paths."""

    FORMAT: ClassVar[str]

    def __init__(self) -> None:
        self.regex = re.compile(self.FORMAT)

    def accepts(self, col: Column) -> Callable[[str], bool]:
        fullmatch = self.regex.fullmatch
        return lambda v: fullmatch(v) is not None

    def inline(self, col: Column, i: int, namespace: dict[str, Any]) -> tuple[str, str] | None:
        namespace[f"match{i}"] = self.regex.fullmatch
        if type(self).normalize is Kind.normalize:
            return f"match{i}(v)", "v"
        namespace[f"normalize{i}"] = self.normalize
        return f"match{i}(v)", f"normalize{i}(v)"

    def fast_field(self, col: Column) -> bytes | None:
        return self.FORMAT.encode()


class Identifier(Kind):
    name = "id"
    code = "too_long"
    bytewise = True

    def reason(self, col: Column) -> str:
        return _("Identyfikator dłuższy niż %(n)s znaki.") % {"n": ID_MAX}

    def accepts(self, col: Column) -> Callable[[str], bool]:
        return lambda v: len(v) <= ID_MAX

    def inline(self, col: Column, i: int, namespace: dict[str, Any]) -> tuple[str, str] | None:
        return f"0 < len(v) <= {ID_MAX}", "v"

    def fast_field(self, col: Column) -> bytes | None:
        # counted in bytes: never more than in characters
        return _PLAIN + b"{1,%d}+" % ID_MAX


class Reference(Identifier):
    name = "ref"


class Text(Kind):
    name = "text"
    code = "too_long"

    def reason(self, col: Column) -> str:
        return _("Tekst dłuższy niż %(n)s znaków.") % {"n": col.max_length}

    def accepts(self, col: Column) -> Callable[[str], bool]:
        limit = col.max_length
        return (lambda v: len(v) <= limit) if limit else (lambda v: True)

    def inline(self, col: Column, i: int, namespace: dict[str, Any]) -> tuple[str, str] | None:
        return (f"v and len(v) <= {col.max_length}" if col.max_length else "v"), "v"

    def fast_field(self, col: Column) -> bytes | None:
        n = b"{1,%d}+" % col.max_length if col.max_length else b"++"
        return b'(?:%s%s|"%s%s")' % (_PLAIN, n, _QUOTED, n)


class Enum(Kind):
    name = "enum"
    code = "bad_enum"

    def reason(self, col: Column) -> str:
        return _("Nieznana wartość; dozwolone: %(allowed)s.") % {"allowed": ", ".join(col.choices)}

    def accepts(self, col: Column) -> Callable[[str], bool]:
        return frozenset(col.choices).__contains__

    def inline(self, col: Column, i: int, namespace: dict[str, Any]) -> tuple[str, str] | None:
        namespace[f"allowed{i}"] = frozenset(col.choices)
        return f"v in allowed{i}", "v"

    def fast_field(self, col: Column) -> bytes | None:
        return b"(?:" + b"|".join(re.escape(choice.encode()) for choice in col.choices) + b")"


class Date(FormatKind):
    name = "date"
    pg_type = "date"
    code = "bad_date"
    FORMAT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # the server refuses days that do not exist, as the rows path does

    def reason(self, col: Column) -> str:
        return _("Nieprawidłowa data; oczekiwano RRRR-MM-DD, np. 2026-11-20.")

    def convert(self, col: Column, null: str | None) -> Converter:
        return _DateConverter(self, col, null)

    def inline(self, col: Column, i: int, namespace: dict[str, Any]) -> tuple[str, str] | None:
        convert = namespace[f"convert{i}"]  # the reader puts the column's converter there first
        if not isinstance(convert, _DateConverter):
            return None
        namespace[f"seen{i}"] = convert.seen
        return f"v in seen{i}", "v"


class _DateConverter:
    """Dates repeat a lot: the ones seen are remembered in ``seen``, where the generated
    row check looks first."""

    def __init__(self, kind: Date, col: Column, null: str | None) -> None:
        self.seen: dict[str, str] = {}
        self.fullmatch = kind.regex.fullmatch
        self.required = col.required
        self.null = null
        self.reason = kind.reason(col)

    def __call__(self, v: str) -> str | None:
        known = self.seen.get(v)
        if known is not None:
            return known
        if not v:
            if self.required:
                raise missing()
            return self.null
        if self.fullmatch(v):
            try:
                dt.date.fromisoformat(v)
            except ValueError:
                raise FieldError("bad_date", _("Nie ma takiej daty w kalendarzu.")) from None
            if len(self.seen) < 100_000:
                self.seen[v] = v
            return v
        raise FieldError("bad_date", self.reason)


def _decimal(digits: int, places: int) -> str:
    return rf"-?[0-9]{{1,{digits}}}+(?:,[0-9]{{1,{places}}}+)?"


class Decimal(FormatKind):
    """Decimal comma, optional minus, no thousands separator; stored with a point."""

    code = "bad_number"
    places: ClassVar[int]
    digits: ClassVar[int]
    money: ClassVar[bool] = False

    def reason(self, col: Column) -> str:
        text = (
            _(
                "Kwota w złym zapisie; oczekiwano przecinka dziesiętnego, bez separatora tysięcy i wykładnika, "
                "najwyżej %(places)s miejsc po przecinku i %(digits)s cyfr przed nim (np. %(example)s)."
            )
            if self.money
            else _(
                "Liczba w złym zapisie; oczekiwano przecinka dziesiętnego, bez separatora tysięcy i wykładnika, "
                "najwyżej %(places)s miejsc po przecinku i %(digits)s cyfr przed nim (np. %(example)s)."
            )
        )
        example = "1234,56" if self.places > 1 else "1234,5"
        return text % {"places": self.places, "digits": self.digits, "example": example}

    def normalize(self, value: str) -> str:
        return value.replace(",", ".")

    def inline(self, col: Column, i: int, namespace: dict[str, Any]) -> tuple[str, str] | None:
        namespace[f"match{i}"] = self.regex.fullmatch
        return f"match{i}(v)", 'v.replace(",", ".")'


class Money(Decimal):
    name = "money"
    pg_type = "numeric(12,2)"
    places, digits, money = 2, 10, True
    FORMAT = _decimal(digits, places)


class Area(Decimal):
    name = "area"
    pg_type = "numeric(10,2)"
    places, digits = 2, 8
    FORMAT = _decimal(digits, places)


class Quantity(Decimal):
    name = "qty3"
    pg_type = "numeric(14,3)"
    places, digits = 3, 11
    FORMAT = _decimal(digits, places)


class Count(FormatKind):
    name = "count"
    pg_type = "bigint"
    sqlite_type = "INTEGER"
    code = "bad_integer"
    FORMAT = r"[0-9]{1,9}+"
    minimum = 0

    def reason(self, col: Column) -> str:
        return _("Oczekiwano liczby całkowitej ≥ %(n)s.") % {"n": self.minimum}

    def accepts(self, col: Column) -> Callable[[str], bool]:
        fullmatch, minimum = self.regex.fullmatch, self.minimum
        return lambda v: bool(fullmatch(v)) and int(v) >= minimum

    def normalize(self, value: str) -> str:
        return str(int(value))

    def inline(self, col: Column, i: int, namespace: dict[str, Any]) -> tuple[str, str] | None:
        return None  # leading zeros need the converter


class PositiveCount(Count):
    name = "posint"
    minimum = 1

    def fast_field(self, col: Column) -> bytes | None:
        # No leading zeros in the fast mode: what the pattern passes is ≥ 1 as it is
        # (the rows path takes "007" and writes 7).
        return rb"[1-9][0-9]{0,8}+"


class PostalCode(FormatKind):
    name = "postal"
    code = "bad_postal_code"
    FORMAT = r"[0-9]{2}-[0-9]{3}"

    def reason(self, col: Column) -> str:
        return _("Kod pocztowy musi mieć postać NN-NNN.")


class Sha256Base64(FormatKind):
    """A SHA-256 in standard Base64: 44 characters, the last '='. The one before it carries
    the digest's last 4 bits and two zero bits, so only 16 letters are possible there: the
    format admits exactly the canonical encodings of 32 bytes."""

    name = "sha256b64"
    code = "bad_sha256_base64"
    FORMAT = r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]="

    def reason(self, col: Column) -> str:
        return _(
            "Nieprawidłowy skrót SHA-256: oczekiwano 44 znaków standardowego Base64 (A–Z, a–z, 0–9, +, /) "
            "zakończonych znakiem „=”."
        )


class PaymentRef(FormatKind):
    """The portal's payment id (``PAY-`` and up to 60 letters, digits, ``-`` or ``_``), as the
    outbound bundle's payments.csv gave it to the back-office (ledger.csv ``payment_ref``).
    Whether it names a paid payment is the import's business after the merge (a warning, not a
    refusal: payments.services.payments_reconcile_ledger)."""

    name = "payref"
    code = "bad_payment_ref"
    FORMAT = re.escape(PAYMENT_ID_PREFIX) + rf"[A-Za-z0-9_-]{{1,{ID_MAX - len(PAYMENT_ID_PREFIX)}}}+"

    def reason(self, col: Column) -> str:
        return _(
            "Nieprawidłowy identyfikator płatności online: oczekiwano identyfikatora nadanego przez portal "
            "(„PAY-” i do 60 liter, cyfr, „-” lub „_”), np. PAY-20261203-0A1B2C3D4E5F."
        )


class Checksummed(Kind):
    """A number with a check digit: checked in Python only (the file takes the rows path)."""

    message: ClassVar[str]  # marked with gettext_noop, translated when reported

    def valid(self, value: str) -> bool:
        raise NotImplementedError

    def accepts(self, col: Column) -> Callable[[str], bool]:
        return self.valid

    def reason(self, col: Column) -> str:
        return _(self.message)


# The format is stricter than forms: digits only (spaces allowed in an NRB), no "PL".
_NRB_CHARS = frozenset("0123456789 ")


class Nrb(Checksummed):
    name = "nrb"
    code = "bad_nrb"
    message = gettext_noop(
        "Nieprawidłowy numer rachunku NRB: 26 cyfr (spacje dozwolone) z poprawną sumą kontrolną IBAN."
    )

    def valid(self, value: str) -> bool:
        return set(value) <= _NRB_CHARS and nrb_is_valid(value)

    def normalize(self, value: str) -> str:
        return digits_only(value)


class Pesel(Checksummed):
    name = "pesel"
    code = "bad_pesel"
    message = gettext_noop("Nieprawidłowy PESEL: 11 cyfr z poprawną cyfrą kontrolną.")

    def valid(self, value: str) -> bool:
        return value.isascii() and value.isdigit() and pesel_is_valid(value)


class Nip(Checksummed):
    name = "nip"
    code = "bad_nip"
    message = gettext_noop("Nieprawidłowy NIP: 10 cyfr z poprawną cyfrą kontrolną.")

    def valid(self, value: str) -> bool:
        return value.isascii() and value.isdigit() and nip_is_valid(value)


class MemberPath(Kind):
    """A path of a file inside the bundle: under ``folder``, ending in ``suffix``, never leaving
    the bundle's folder (no ``..``, no absolute path)."""

    folder: ClassVar[str]
    suffix: ClassVar[str]
    message: ClassVar[str]  # marked with gettext_noop, translated when reported

    def reason(self, col: Column) -> str:
        return _(self.message)

    def accepts(self, col: Column) -> Callable[[str], bool]:
        # Imported here: sync.container reads the file specs, which are made of these kinds.
        from sync.container import member_is_safe

        folder, suffix, limit = self.folder, self.suffix, col.max_length
        return lambda v: (
            (not limit or len(v) <= limit) and v.startswith(folder) and member_is_safe(v) and v.lower().endswith(suffix)
        )


class DocumentPath(MemberPath):
    name = "path"
    code = "bad_path"
    folder, suffix = "documents/", ".pdf"
    message = gettext_noop("Plik dokumentu musi leżeć w katalogu documents/ pakietu i mieć rozszerzenie .pdf.")


class InvoiceXmlPath(MemberPath):
    name = "xmlpath"
    code = "bad_xml_path"
    folder, suffix = "invoices/", ".xml"
    message = gettext_noop(
        "Plik XML faktury musi leżeć w katalogu invoices/ pakietu (bez „../” i ścieżki bezwzględnej), "
        "mieć rozszerzenie .xml i najwyżej 255 znaków."
    )


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Identifier(),
        Reference(),
        Text(),
        Enum(),
        Date(),
        Money(),
        Area(),
        Quantity(),
        Count(),
        PositiveCount(),
        PostalCode(),
        Sha256Base64(),
        PaymentRef(),
        Nrb(),
        Pesel(),
        Nip(),
        DocumentPath(),
        InvoiceXmlPath(),
    )
}
