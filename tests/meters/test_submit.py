"""A tenant submits a reading: rules, bad input, the plausibility question, double submissions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from meters.models import Reading, ReadingSubmission
from portal.models import AuditEntry
from tests.factories import MeterFactory, ReadingFactory
from tests.meters.conftest import TODAY
from tests.meters.helpers import form_token, post_reading, token_in
from tests.tickets.helpers import EXE_BYTES, image_bytes, jpeg, stored_files, upload

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def tenant_client(client, owner, frozen):
    client.force_login(owner)
    return client


def tenant_readings():
    return Reading.objects.filter(source=Reading.Source.TENANT)


def value_errors(response) -> list[str]:
    return response.context["form"].errors.get("value", [])


def test_a_submitted_reading_waits_for_confirmation_with_a_portal_id(tenant_client, owner, meter, history):
    response = post_reading(tenant_client, meter, "141,250", follow=True)
    reading = tenant_readings().get()
    assert reading.reading_id.startswith("P-20261121-")
    assert (reading.status, reading.value, reading.read_on) == ("waiting", D("141.250"), TODAY)
    assert reading.submitted_by == owner and reading.submitted_at is not None
    assert response.redirect_chain[-1][0] == reverse("meters:meter", args=[meter.pk])
    assert (
        "Przyjęliśmy odczyt 141,250 m³ z 21.11.2026. Czeka na potwierdzenie przez biuro." in response.content.decode()
    )
    entry = AuditEntry.objects.get(action="reading.submit")
    assert entry.actor == owner and entry.details["value"] == "141.250" and entry.object_id == str(reading.pk)
    assert ReadingSubmission.objects.get(reading_id=reading.reading_id).implausible_confirmed is False


def test_the_reading_date_defaults_to_today(tenant_client, meter):
    response = tenant_client.get(reverse("meters:submit", args=[meter.pk]))
    assert 'value="2026-11-21"' in response.content.decode()
    assert 'max="2026-11-21"' in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "Stan licznika nie może być ujemny."),
        ("12.5.3", "Stan licznika może mieć tylko jeden przecinek oddzielający część dziesiętną, np. 1234,567."),
        ("1e9", "Podaj stan licznika samymi cyframi, z przecinkiem przed częścią dziesiętną, np. 1234,567."),
        ("abc", "Podaj stan licznika samymi cyframi, z przecinkiem przed częścią dziesiętną, np. 1234,567."),
        (
            "1234567890,000",
            "Stan licznika może mieć najwyżej 9 cyfr przed przecinkiem. Sprawdź, czy nie ma dodatkowej cyfry.",
        ),
    ],
)
def test_bad_values_get_a_polish_message_next_to_the_field_and_nothing_is_stored(
    tenant_client, meter, history, typed, message
):
    response = post_reading(tenant_client, meter, typed, photo=jpeg("licznik.jpg"))
    assert response.status_code == 200
    assert value_errors(response) == [message]
    html = response.content.decode()
    assert 'id="id_value_error"' in html and message.split(",")[0] in html
    assert not tenant_readings().exists() and not ReadingSubmission.objects.exists() and stored_files() == []


def test_a_value_below_the_last_reading_is_refused_next_to_the_field(tenant_client, meter, history):
    response = post_reading(tenant_client, meter, "138,999")
    assert value_errors(response)[0].startswith("Podany stan 138,999 jest niższy niż ostatni odczyt 139,000 m³")
    assert not tenant_readings().exists()


def test_a_date_in_the_future_or_before_the_last_reading_is_refused(tenant_client, meter, history):
    future = post_reading(tenant_client, meter, "140", read_on=TODAY + dt.timedelta(days=1))
    assert future.context["form"].errors["read_on"] == ["Data odczytu nie może być późniejsza niż dziś (21.11.2026)."]
    early = post_reading(tenant_client, meter, "140", read_on=dt.date(2026, 10, 30))
    assert early.context["form"].errors["read_on"] == [
        "Data odczytu nie może być wcześniejsza niż ostatni odczyt (01.11.2026)."
    ]
    assert not tenant_readings().exists()


def test_a_photo_is_checked_by_its_content_and_stored_privately(tenant_client, meter, history, settings):
    post_reading(tenant_client, meter, "140,5", photo=jpeg("licznik.jpg"))
    submission = ReadingSubmission.objects.get()
    assert submission.photo_content_type == "image/jpeg" and submission.photo_name == "licznik.jpg"
    (stored,) = stored_files()
    assert stored.is_relative_to(settings.PRIVATE_MEDIA_ROOT) and "licznik" not in stored.name
    reading = tenant_readings().get()
    response = tenant_client.get(reverse("meters:photo", args=[meter.pk, reading.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


def test_a_renamed_executable_is_refused_as_a_photo_and_nothing_is_stored(tenant_client, meter, history):
    response = post_reading(tenant_client, meter, "140,5", photo=upload("licznik.jpg", EXE_BYTES, "image/jpeg"))
    assert response.context["form"].errors["photo"] == [
        "Plik „licznik.jpg” nie jest zdjęciem JPEG ani PNG (sprawdzamy zawartość pliku, nie jego nazwę). "
        "Dodaj zdjęcie JPEG lub PNG."
    ]
    assert not tenant_readings().exists() and stored_files() == []


def test_a_photo_over_the_size_limit_is_refused(tenant_client, meter, history, settings):
    settings.READING_PHOTO_MAX_MB = 1
    big = upload("duze.png", image_bytes("PNG") + b"\0" * (1024 * 1024), "image/png")
    response = post_reading(tenant_client, meter, "140,5", photo=big)
    assert response.context["form"].errors["photo"][0].startswith("Plik „duze.png” ma 1,0")
    assert "największy dopuszczalny rozmiar to 1,0" in response.context["form"].errors["photo"][0]
    assert not tenant_readings().exists() and stored_files() == []


def test_an_implausible_consumption_asks_to_confirm_before_it_is_accepted(tenant_client, meter, history):
    first = post_reading(tenant_client, meter, "150,000", photo=jpeg("licznik.jpg"))
    html = first.content.decode()
    assert "Czy stan licznika jest prawidłowy?" in html
    assert (
        "Podany stan 150,000 m³ oznacza zużycie 11,000 m³ w 20 dn., czyli 0,550 m³ dziennie. To ponad 3 razy "
        "więcej niż średnio w ostatnich 12 miesiącach (0,099 m³ dziennie)."
    ) in html
    assert 'name="confirm"' in html and "Dołączone zdjęcie: licznik.jpg." in html
    assert not tenant_readings().exists()

    # Sending it again without ticking the box asks again; ticking it records the reading and the photo.
    token = token_in(first)
    again = post_reading(tenant_client, meter, "150,000", token=token)
    assert "Czy stan licznika jest prawidłowy?" in again.content.decode() and not tenant_readings().exists()
    post_reading(tenant_client, meter, "150,000", token=token, confirm="150,000")
    reading = tenant_readings().get()
    submission = ReadingSubmission.objects.get(reading_id=reading.reading_id)
    assert submission.implausible_confirmed and submission.photo_name == "licznik.jpg"
    assert submission.consumption_per_day == D("0.55")
    assert [f.parent.name for f in stored_files()] == ["11"]  # the photo moved out of the waiting room


def test_confirming_one_value_does_not_confirm_another(tenant_client, meter, history):
    token = token_in(post_reading(tenant_client, meter, "150,000"))
    response = post_reading(tenant_client, meter, "160,000", token=token, confirm="150,000")
    assert "oznacza zużycie 21,000 m³" in response.content.decode()
    assert not tenant_readings().exists()


def test_a_plausible_reading_needs_no_confirmation(tenant_client, meter, history):
    response = post_reading(tenant_client, meter, "144,900")
    assert response.status_code == 302 and tenant_readings().count() == 1


def test_the_same_form_sent_twice_makes_one_reading(tenant_client, meter, history):
    token = form_token(tenant_client, meter)
    post_reading(tenant_client, meter, "140,5", token=token)
    second = post_reading(tenant_client, meter, "140,5", token=token, follow=True)
    assert tenant_readings().count() == 1
    assert "był już zapisany; nie dodaliśmy go drugi raz" in second.content.decode()


def test_the_same_reading_from_two_tabs_makes_one_reading(tenant_client, meter, history):
    first_tab, second_tab = form_token(tenant_client, meter), form_token(tenant_client, meter)
    assert first_tab != second_tab
    post_reading(tenant_client, meter, "140,5", token=first_tab)
    post_reading(tenant_client, meter, "140,5", token=second_tab)
    assert tenant_readings().count() == 1


def test_a_used_form_sent_with_another_value_is_refused_and_renewed(tenant_client, meter, history):
    token = form_token(tenant_client, meter)
    post_reading(tenant_client, meter, "140,5", token=token)
    response = post_reading(tenant_client, meter, "141", token=token)
    assert "Ten formularz został już wysłany. Otworzyliśmy go ponownie: podaj odczyt jeszcze raz." in (
        response.content.decode()
    )
    assert token_in(response) != token
    assert tenant_readings().count() == 1


def test_a_form_without_its_token_is_refused(tenant_client, meter, history):
    response = tenant_client.post(reverse("meters:submit", args=[meter.pk]), {"value": "140", "read_on": "2026-11-21"})
    assert response.context["form"].errors["token"] == ["Formularz jest niepełny."]
    assert not tenant_readings().exists()


def test_outside_the_window_the_form_says_when_it_opens_and_takes_nothing(tenant_client, meter, history, settings):
    settings.READING_WINDOW_DAYS = "25-31"
    page = tenant_client.get(reverse("meters:submit", args=[meter.pk])).content.decode()
    assert "Formularz będzie dostępny od 25.11.2026." in page and 'name="value"' not in page
    response = post_reading(tenant_client, meter, "140", token="x" * 32)
    assert "Formularz będzie dostępny od 25.11.2026." in response.content.decode()
    assert not tenant_readings().exists()


def test_a_meter_with_expired_legalization_refuses_readings_and_says_whom_to_contact(tenant_client, unit, operator):
    meter = MeterFactory(unit=unit, legalization_valid_until=dt.date(2026, 10, 31))
    page = tenant_client.get(reverse("meters:submit", args=[meter.pk])).content.decode()
    assert "Legalizacja tego licznika wygasła 31.10.2026" in page and "tel. 32 672 11 00" in page
    assert 'name="value"' not in page
    post_reading(tenant_client, meter, "5", token="y" * 32)
    assert not tenant_readings().exists()


def test_a_removed_meter_refuses_readings(tenant_client, unit):
    meter = MeterFactory(unit=unit, removed_on=dt.date(2026, 6, 30))
    ReadingFactory(meter=meter, read_on=dt.date(2026, 6, 30), value=D("50"))
    page = tenant_client.get(reverse("meters:submit", args=[meter.pk])).content.decode()
    assert "Ten licznik został zdemontowany 30.06.2026 i nie przyjmuje już odczytów." in page
    post_reading(tenant_client, meter, "55", token="z" * 32)
    assert not tenant_readings().exists()


@pytest.mark.parametrize("name", ["meters:submit", "meters:meter", "meters:meter_csv"])
def test_another_tenants_meter_is_not_found(client, stranger, meter, name, frozen):
    client.force_login(stranger)
    assert client.get(reverse(name, args=[meter.pk])).status_code == 404
    assert client.post(reverse("meters:submit", args=[meter.pk]), {"value": "1"}).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404
    assert not tenant_readings().exists()


def test_another_tenants_photo_is_not_found(client, owner, stranger, meter, history, frozen):
    client.force_login(owner)
    post_reading(client, meter, "140,5", photo=jpeg())
    reading = tenant_readings().get()
    client.force_login(stranger)
    assert client.get(reverse("meters:photo", args=[meter.pk, reading.pk])).status_code == 404
    other = MeterFactory(unit=stranger.grants.get().unit)
    assert client.get(reverse("meters:photo", args=[other.pk, reading.pk])).status_code == 404


def test_the_co_owner_sees_the_reading_and_may_submit_as_well(client, owner, co_owner, meter, history, frozen):
    client.force_login(owner)
    post_reading(client, meter, "140,5")
    client.force_login(co_owner)
    page = client.get(reverse("meters:meter", args=[meter.pk])).content.decode()
    assert "140,500 m³" in page and "czeka na potwierdzenie" in page
    again = post_reading(client, meter, "140,5", follow=True)  # the same reading, read by the other owner
    assert "był już zapisany" in again.content.decode() and tenant_readings().count() == 1


def test_anonymous_users_are_sent_to_log_in(client, meter):
    response = client.get(reverse("meters:submit", args=[meter.pk]))
    assert response.status_code == 302 and "/logowanie/" in response["Location"]
