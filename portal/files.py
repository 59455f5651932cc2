"""Uploaded and private files, shared by ticket attachments, meter photos and downloadable
forms (on the ground floor, so that meters need not import tickets).

Uploads are checked by their content: a JPEG, PNG or PDF is recognised by its first bytes
(and images by Pillow), never by its name or the browser's type.

Accepted images are stored re-encoded (``image_reencoded``): only the pixels are kept, so
EXIF data with the GPS position of the phone, comments and anything appended after the
image (e.g. an HTML page behind a PNG) never reach the storage or a download. Images of
more than ``IMAGE_MAX_PIXELS`` pixels are refused before they are decoded (a small file
can describe a huge image that would take gigabytes of memory to decode).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
_SIGNATURES = [
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"%PDF-", PDF),
]
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}


def max_attachment_bytes() -> int:
    return int(settings.TICKETS_ATTACHMENT_MAX_MB) * 1024 * 1024


def sniff(head: bytes) -> str | None:
    """The content type the first bytes show, or None for anything else."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def detect_content_type(upload: UploadedFile, allowed: tuple[str, ...], *, max_bytes: int | None = None) -> str:
    """Return the real type of ``upload`` if it is one of ``allowed``; a Polish ValidationError otherwise.

    ``max_bytes`` defaults to the ticket attachments' limit (the meters' photos pass their own)."""
    name = upload.name or _("plik")
    max_bytes = max_attachment_bytes() if max_bytes is None else max_bytes
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("Plik „%(name)s” ma %(size)s, a największy dopuszczalny rozmiar to %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_big",
        )
    if not upload.size:
        raise ValidationError(_("Plik „%(name)s” jest pusty.") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None or content_type not in allowed:
        raise ValidationError(_wrong_type_message(name, allowed), code="wrong_type")
    if content_type in _PILLOW_FORMATS:
        with _opened_image(upload, name) as image:  # reads the header only
            if image.format != _PILLOW_FORMATS[content_type]:
                raise ValueError(image.format)
            image.verify()
    return content_type


@contextmanager
def _opened_image(upload: File[Any], name: str) -> Iterator[Image.Image]:
    """``upload`` opened by Pillow, its pixel count checked before anything decodes it; whatever
    goes wrong inside (a bomb, a broken or mislabelled file) becomes the user's Polish error,
    and the file is rewound for the next reader either way."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            _check_pixels(image, name)
            yield image
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name, None) from exc
    except Exception as exc:
        raise _broken_image(name) from exc
    finally:
        upload.seek(0)


def _broken_image(name: str) -> ValidationError:
    return ValidationError(
        _("Plik „%(name)s” nie jest poprawnym obrazem (może być uszkodzony).") % {"name": name},
        code="broken_image",
    )


def _too_many_pixels(name: str, size: tuple[int, int] | None) -> ValidationError:
    limit = f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g}".replace(".", ",")  # Polish decimal comma
    if size is None:
        message = _(
            "Zdjęcie „%(name)s” jest za duże: największy dopuszczalny rozmiar to %(max)s megapikseli. "
            "Zmniejsz je i dodaj ponownie."
        ) % {"name": name, "max": limit}
    else:
        message = _(
            "Zdjęcie „%(name)s” ma %(width)s × %(height)s pikseli, a największy dopuszczalny rozmiar to "
            "%(max)s megapikseli. Zmniejsz je i dodaj ponownie."
        ) % {"name": name, "width": size[0], "height": size[1], "max": limit}
    return ValidationError(message, code="too_many_pixels")


def _check_pixels(image: Image.Image, name: str) -> None:
    width, height = image.size
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise _too_many_pixels(name, image.size)


def image_reencoded(upload: File[Any], content_type: str, *, name: str) -> ContentFile[bytes]:
    """The image of ``upload`` (checked by ``detect_content_type``) encoded anew in its own
    format as the file ``name`` + its extension: the pixels only, turned upright as its EXIF
    orientation said; no EXIF, GPS, comments or trailing data. The colour profile stays."""
    with _opened_image(upload, upload.name or name) as image:
        image.load()
        icc_profile = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        if content_type == JPEG:
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            upright.save(out, "JPEG", quality=90, icc_profile=icc_profile)
        else:
            upright.save(out, "PNG", icc_profile=icc_profile)
    return ContentFile(out.getvalue(), name=f"{name}{EXTENSIONS[content_type]}")


def _wrong_type_message(name: str, allowed: tuple[str, ...]) -> str:
    if allowed == (PDF,):
        return _("Plik „%(name)s” nie jest dokumentem PDF. Dodaj plik PDF.") % {"name": name}
    if PDF not in allowed:
        return _(
            "Plik „%(name)s” nie jest zdjęciem JPEG ani PNG (sprawdzamy zawartość pliku, nie jego nazwę). "
            "Dodaj zdjęcie JPEG lub PNG."
        ) % {"name": name}
    return _(
        "Plik „%(name)s” nie jest zdjęciem JPEG/PNG ani dokumentem PDF (sprawdzamy zawartość pliku, "
        "nie jego nazwę). Dodaj plik JPEG, PNG lub PDF."
    ) % {"name": name}


def serve_private_file(field_file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """Stream a file of the private storage as a download; the caller has checked who may have it."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return private_download(FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type))


R = TypeVar("R", bound=HttpResponseBase)


def private_download(response: R) -> R:
    """The headers of every private download. Even if a browser ignored the download, the file
    cannot run scripts in the portal's origin, nor be taken for another type than the one its
    content was checked to be, nor be kept by a shared cache."""
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class Attachment(Protocol):
    """A stored upload with the name and type it is served under (e.g. ``TicketAttachment``)."""

    @property
    def file(self) -> FieldFile: ...
    @property
    def download_name(self) -> str: ...
    @property
    def content_type(self) -> str: ...


def serve_attachment(attachment: Attachment) -> FileResponse:
    return serve_private_file(attachment.file, filename=attachment.download_name, content_type=attachment.content_type)
