"""Files for upload tests: real JPEG/PNG made by Pillow, a tiny PDF, a Windows executable."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 240
    + b"This program cannot be run in DOS mode."
)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg(name: str = "przeciek.jpg") -> SimpleUploadedFile:
    return upload(name, image_bytes("JPEG"), "image/jpeg")


def png(name: str = "plama.png") -> SimpleUploadedFile:
    return upload(name, image_bytes("PNG"), "image/png")


def pdf(name: str = "protokol.pdf") -> SimpleUploadedFile:
    return upload(name, PDF_BYTES, "application/pdf")


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


APPENDED_PAGE = b"<html><body><script>alert(document.cookie)</script></body></html>"


def png_bytes(size=(40, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 1 if mode == "1" else (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_gps(size=(40, 30), orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefon"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 13.0, 46.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (21.0, 0.0, 42.0)
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def huge_png() -> bytes:
    """12000 × 12000 pixels of one colour: about 140 kB of PNG, 144 megapixels decoded."""
    return png_bytes((12000, 12000), mode="1")
