"""Meter photos are stored re-encoded (no EXIF/GPS, nothing appended), refused above the pixel
limit with a Polish message, and downloaded as the photo of their reading, never under the
tenant's file name (issue 13, item 12; the shared rules: tests/tickets/test_image_uploads.py)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from PIL import ExifTags, Image

from meters.models import Reading, ReadingSubmission
from tests.meters.helpers import post_reading
from tests.tickets.helpers import APPENDED_PAGE, huge_png, jpeg_with_gps, png_bytes, stored_files, upload

# As in the portal's processes (portal.apps; pytest resets the filters that Django's set-up made).
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")]


@pytest.fixture
def tenant_client(client, owner, frozen):
    client.force_login(owner)
    return client


def test_a_meter_photo_named_like_a_page_is_downloaded_as_the_photo_of_the_reading(
    tenant_client, staff, meter, history
):
    staff_client = Client()
    staff_client.force_login(staff)
    session = staff_client.session
    session[DEVICE_ID_SESSION_KEY] = staff.totpdevice_set.get().persistent_id
    session.save()
    post_reading(tenant_client, meter, "140,5", photo=upload("meter.png.html", png_bytes(), "text/html"))
    reading = Reading.objects.get(source=Reading.Source.TENANT)
    (stored,) = stored_files()
    assert stored.suffix == ".png"
    for response in (
        tenant_client.get(reverse("meters:photo", args=[meter.pk, reading.pk])),
        staff_client.get(reverse("admin:meters_reading_photo", args=[reading.pk])),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"] == f'attachment; filename="zdjecie-licznika-{reading.reading_id}.png"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
        assert ".html" not in response["Content-Disposition"]


def test_a_meter_photo_with_a_page_appended_is_stored_without_it(tenant_client, meter, history):
    post_reading(tenant_client, meter, "140,5", photo=upload("licznik.png", png_bytes() + APPENDED_PAGE, "image/png"))
    submission = ReadingSubmission.objects.get()
    data = submission.photo.open("rb").read()
    assert b"<script" not in data and b"<html" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size, image.getpixel((0, 0))) == ("PNG", (40, 30), (10, 120, 200))


def test_a_meter_photo_of_144_megapixels_is_refused_in_polish(tenant_client, meter, history):
    data = huge_png()
    assert len(data) < 200_000
    response = post_reading(tenant_client, meter, "140,5", photo=upload("licznik.png", data, "image/png"))
    assert response.context["form"].errors["photo"] == [
        "Zdjęcie „licznik.png” jest za duże: największy dopuszczalny rozmiar to 40 megapikseli. "
        "Zmniejsz je i dodaj ponownie."
    ]
    assert not Reading.objects.filter(source=Reading.Source.TENANT).exists()
    assert stored_files() == []


def test_the_gps_position_of_a_meter_photo_is_not_kept(tenant_client, meter, history):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry it
    post_reading(tenant_client, meter, "140,5", photo=upload("licznik.jpg", original, "image/jpeg"))
    data = ReadingSubmission.objects.get().photo.open("rb").read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (40, 30)
        assert not image.getexif() and "exif" not in image.info
    assert b"Exif" not in data and b"Telefon" not in data


def test_a_photo_waiting_for_the_tenants_confirmation_is_kept_without_gps(tenant_client, meter, history, settings):
    first = post_reading(tenant_client, meter, "150,000", photo=upload("licznik.jpg", jpeg_with_gps() + APPENDED_PAGE))
    assert "Czy stan licznika jest prawidłowy?" in first.content.decode()
    (waiting,) = stored_files()
    assert waiting.parent.name == "pending"
    data = waiting.read_bytes()
    assert b"Exif" not in data and b"<script" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif()
