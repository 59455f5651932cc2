"""Uploaded images as ticket attachments, and the rules of portal.files that meter photos
share (issue 13, item 12; the photos: tests/meters/test_photo_uploads.py): stored re-encoded
(no EXIF/GPS, nothing appended), refused above the pixel limit with a Polish message, and
downloaded under a name and type taken from their checked content."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from portal import files
from tests.tickets.helpers import APPENDED_PAGE, huge_png, jpeg_with_gps, png_bytes, stored_files, upload
from tickets.models import TicketAttachment

# As in the portal's processes (portal.apps; pytest resets the filters that Django's set-up made).
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")]


def _file_ticket(client, unit, *attachments):
    return client.post(
        reverse("tickets:new"),
        {
            "kind": "failure",
            "unit": unit.pk,
            "subject": "Przeciek",
            "description": "Kapie z sufitu.",
            "attachments": attachments,
        },
    )


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


# --- ticket attachments ----------------------------------------------------------------------


def test_an_attachment_named_like_a_page_is_downloaded_under_a_name_of_its_type(client, owner, unit):
    client.force_login(owner)
    assert _file_ticket(client, unit, upload("meter.png.html", png_bytes(), "text/html")).status_code == 302
    attachment = TicketAttachment.objects.get()
    assert attachment.content_type == "image/png" and attachment.download_name == "meter-png.png"
    response = client.get(reverse("tickets:attachment", args=[attachment.ticket_id, attachment.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="meter-png.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_an_attachment_with_a_page_appended_is_stored_without_it_and_without_gps(client, owner, unit):
    client.force_login(owner)
    _file_ticket(
        client,
        unit,
        upload("plama.png", png_bytes() + APPENDED_PAGE, "image/png"),
        upload("zdjecie.jpg", jpeg_with_gps() + APPENDED_PAGE, "image/jpeg"),
    )
    stored_png, stored_jpeg = TicketAttachment.objects.order_by("pk")
    for attachment in (stored_png, stored_jpeg):
        data = attachment.file.open("rb").read()
        assert b"<script" not in data and b"Exif" not in data
        assert attachment.size == len(data)
    with Image.open(stored_jpeg.file.open("rb")) as image:
        assert not image.getexif()


def test_an_attachment_of_144_megapixels_is_refused_in_polish(client, owner, unit):
    client.force_login(owner)
    response = _file_ticket(client, unit, upload("plan.png", huge_png(), "image/png"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zdjęcie „plan.png” jest za duże: największy dopuszczalny rozmiar to 40 megapikseli." in html
    assert not TicketAttachment.objects.exists() and stored_files() == []


# --- the rules themselves ---------------------------------------------------------------------


def test_the_pixel_limit_is_the_operators_setting(settings):
    settings.IMAGE_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as refused:
        files.detect_content_type(upload("a.png", png_bytes((40, 30)), "image/png"), (files.PNG,))
    assert refused.value.messages == [
        "Zdjęcie „a.png” ma 40 × 30 pikseli, a największy dopuszczalny rozmiar to 0,001 megapikseli. "
        "Zmniejsz je i dodaj ponownie."
    ]
    settings.IMAGE_MAX_PIXELS = 1200
    assert files.detect_content_type(upload("a.png", png_bytes((40, 30)), "image/png"), (files.PNG,)) == files.PNG


def test_an_image_just_past_the_limit_is_refused():
    """41 megapixels: Pillow alone would open it with a warning (it refuses from twice the limit)."""
    with pytest.raises(ValidationError) as refused:
        files.detect_content_type(upload("a.png", png_bytes((6400, 6400), mode="1"), "image/png"), (files.PNG,))
    assert refused.value.messages == [
        "Zdjęcie „a.png” jest za duże: największy dopuszczalny rozmiar to 40 megapikseli. Zmniejsz je i dodaj ponownie."
    ]


def test_the_portals_processes_make_pillow_refuse_rather_than_warn(tmp_path):
    """Process-wide (portal.apps): Image.open anywhere raises for an image past the limit."""
    image = tmp_path / "a.png"
    image.write_bytes(png_bytes((6400, 6400), mode="1"))
    script = (
        "import django; django.setup()\n"
        "from PIL import Image\n"
        f"try:\n    Image.open({str(image)!r})\n"
        "except Image.DecompressionBombWarning:\n    print('refused')\n"
        "else:\n    print('opened')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "refused", result.stderr


def test_an_upright_photo_stays_upright_without_its_exif():
    rotated = jpeg_with_gps(size=(40, 30), orientation=6)  # "rotate 90° clockwise to display"
    stored = files.image_reencoded(upload("x.jpg", rotated, "image/jpeg"), files.JPEG, name="zdjecie")
    assert stored.name == "zdjecie.jpg"
    with Image.open(stored) as image:
        assert image.size == (30, 40) and not image.getexif()
