"""KSeF on invoices (B9): the verification code KOD I and the invoice's structured XML.

An invoice registered in KSeF and handed to the buyer outside KSeF (our page, our PDF)
carries the verification link of the Ministry of Finance's specification ("Kody
weryfikujące QR", KOD I)::

    {KSEF_QR_BASE_URL}/invoice/{seller NIP}/{issue date DD-MM-YYYY}/{SHA-256 of the XML, Base64URL}

as a QR code (ISO/IEC 18004) with the KSeF number printed under it. The hash is the one
the back-office sends as ``ksef_hash`` (standard Base64 of the 32 bytes); the link takes
it in the URL-safe alphabet without the ``=`` padding.

The XML itself, when the bundle carries it, is kept in the private storage under its
SHA-256 (``xml_storage_name``): the import checked that it hashes to ``ksef_hash``, and
every download checks it again before a byte leaves (``invoice_xml_bytes``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage

from billing.models import Invoice
from portal.models import Operator

XML_DIR = "ksef-xml"
_CHUNK = 1 << 20


def sha256_base64(stream: IO[bytes]) -> str:
    """The SHA-256 of what ``stream`` holds, in standard Base64 (the form of ``ksef_hash``)."""
    sha = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        sha.update(chunk)
    return base64.b64encode(sha.digest()).decode("ascii")


def hash_base64url(ksef_hash: str) -> str:
    """``ksef_hash`` (standard Base64 with padding) as the link wants it: Base64URL without ``=``."""
    return ksef_hash.rstrip("=").replace("+", "-").replace("/", "_")


def verification_url(*, seller_nip: str, issued_on: dt.date, ksef_hash: str) -> str:
    """The KOD I link of an invoice. ``KSEF_QR_BASE_URL`` is read here and nowhere else."""
    base = settings.KSEF_QR_BASE_URL.rstrip("/")
    return f"{base}/invoice/{seller_nip}/{issued_on:%d-%m-%Y}/{hash_base64url(ksef_hash)}"


def invoice_verification_url(invoice: Invoice, operator: Operator | None) -> str:
    """The KOD I link of ``invoice`` sold by ``operator``; "" when the invoice is not in KSeF
    (no number or no hash) or the operator's NIP is not filled in (no link can be right then)."""
    seller_nip = "".join(ch for ch in (operator.nip if operator else "") if ch.isdigit())
    if not (invoice.ksef_number and invoice.ksef_hash) or len(seller_nip) != 10:
        return ""
    return verification_url(seller_nip=seller_nip, issued_on=invoice.issued_on, ksef_hash=invoice.ksef_hash)


def xml_storage_name(ksef_hash: str) -> str:
    """Where the XML whose SHA-256 is ``ksef_hash`` is kept in the private storage: named by
    its content, so the same XML is stored once and a name never points at other bytes."""
    try:
        digest = base64.b64decode(ksef_hash, validate=True).hex()
    except (binascii.Error, ValueError):
        raise ValueError("ksef_hash is not standard Base64") from None
    if len(digest) != 64:
        raise ValueError("ksef_hash is not a SHA-256")
    return f"{XML_DIR}/{digest[:2]}/{digest}.xml"


def invoice_xml_bytes(ksef_hash: str) -> bytes | None:
    """The stored XML of ``ksef_hash``, or None when it is missing or no longer hashes to it
    (a file changed on the disk is never served as the invoice)."""
    try:
        with default_storage.open(xml_storage_name(ksef_hash), "rb") as fh:
            content: bytes = fh.read()
    except (OSError, ValueError):
        return None
    if sha256_base64(io.BytesIO(content)) != ksef_hash:
        return None
    return content
