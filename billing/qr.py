"""Transfer QR codes in the Polish banks' 2D format (Rekomendacja ZBP „Standard 2D”, B6).

The payload is nine ``|``-separated fields::

    NIP|PL|26-digit account|amount in grosze (6 digits)|recipient (≤ 20)|title (≤ 32)|||

The last three fields are reserved (direct-debit id ≤ 20, Invoobill id ≤ 12, reserve
≤ 24) and left empty. Banking apps read it with the phone's camera and fill in the
transfer form. Text fields keep only the characters the recommendation allows
(letters with Polish diacritics, digits, space and ``, . / \\ - @ # & * _``).
"""

from __future__ import annotations

import base64
import functools
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SEPARATOR = "|"
MAX_GROSZE = 999_999  # the amount field has six digits: at most 9 999,99 zł
_NOT_ALLOWED = re.compile(r"[^0-9A-Za-ząćęłńóśźżĄĆĘŁŃÓŚŹŻ ,./\\\-@#&*_]")


def _clean(text: str, length: int) -> str:
    """Only allowed characters, single spaces, at most ``length`` characters, cut
    between words where a word would be cut."""
    text = " ".join(_NOT_ALLOWED.sub(" ", text or "").split())
    if len(text) <= length:
        return text
    cut = text[: length + 1].rsplit(" ", 1)[0] if " " in text[:length] else text[:length]
    return cut[:length].strip()


def _digits(text: str) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


@dataclass(frozen=True)
class Transfer:
    """What a transfer needs: whom, where, how much and what for."""

    account: str
    recipient: str
    title: str
    amount: Decimal | None = None  # None or 0: the payer types the amount
    nip: str = ""

    @functools.cached_property  # read a few times by every page with a transfer
    def account_digits(self) -> str:
        return _digits(self.account)

    @functools.cached_property
    def grosze(self) -> int:
        if not self.amount or self.amount <= 0:
            return 0
        return int((self.amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    @property
    def amount_fits(self) -> bool:
        """Amounts above 9 999,99 zł do not fit the code; the code then carries none."""
        return self.grosze <= MAX_GROSZE

    @property
    def is_complete(self) -> bool:
        return len(self.account_digits) == 26


def zbp_payload(transfer: Transfer) -> str:
    """The text of the 2D code for ``transfer``."""
    if not transfer.is_complete:
        raise ValueError("account number must have 26 digits")
    nip = _digits(transfer.nip)
    grosze = transfer.grosze if transfer.amount_fits else 0
    fields = [
        nip if len(nip) == 10 else "",
        "PL",
        transfer.account_digits,
        f"{grosze:06d}",
        _clean(transfer.recipient, 20),
        _clean(transfer.title, 32),
        "",
        "",
        "",
    ]
    return SEPARATOR.join(fields)


def qr_png(payload: str, *, scale: int = 4, eci: bool = True) -> bytes:
    """The QR code of ``payload`` as PNG bytes."""
    import segno

    out = io.BytesIO()
    # Error correction L as the recommendation uses (segno raises it when that costs no
    # size); the ECI header says UTF-8, so that no reader guesses another encoding for ł or ź.
    # A link (KSeF's KOD I) is plain ASCII and goes without it, as every camera app reads it.
    segno.make_qr(payload, error="l", encoding="utf-8", eci=eci).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


@functools.lru_cache(maxsize=512)
def qr_png_data_uri(payload: str, *, scale: int = 4, eci: bool = True) -> str:
    """The same code as a ``data:`` URI, for pages and PDFs alike (no extra request).

    Kept per process by payload: choosing the best mask costs several milliseconds and
    a tenant sees the same code on every visit until the amount changes."""
    return "data:image/png;base64," + base64.b64encode(qr_png(payload, scale=scale, eci=eci)).decode("ascii")
