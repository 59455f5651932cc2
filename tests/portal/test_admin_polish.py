"""Admin in real Polish (issue 14 item 14): headings, buttons and counts with the model's
name declined, impersonal messages instead of "został(a)(-ło)", no English app, model,
field or permission names, dates as 03.12.2026 08:46."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Application
from portal import admin_grammar
from portal.permissions import permissions_in_polish
from sync.models import ImportRun
from tests.factories import AnnouncementFactory, ApplicationFactory, TenantFactory

pytestmark = pytest.mark.django_db


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_headings_and_the_add_button_decline_the_models_name(staff_client):
    users = _html(staff_client, reverse("admin:accounts_user_changelist"))
    assert "<h1>Wybierz użytkownika do zmiany</h1>" in users
    assert "Dodaj użytkownika" in users and "Dodaj użytkownik\n" not in users
    invoices = _html(staff_client, reverse("admin:billing_invoice_changelist"))
    assert "<h1>Wybierz fakturę do obejrzenia</h1>" in invoices
    add = _html(staff_client, reverse("admin:tickets_announcement_add"))
    assert "<h1>Dodaj ogłoszenie</h1>" in add
    tenant = TenantFactory()
    change = _html(staff_client, reverse("admin:accounts_user_change", args=[tenant.pk]))
    assert "<h1>Zmień użytkownika</h1>" in change


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 wniosków o dostęp"), (1, "1 wniosek o dostęp"), (3, "3 wnioski o dostęp"), (5, "5 wniosków o dostęp")],
)
def test_list_counts_use_the_polish_plural(staff_client, count, expected):
    for _i in range(count):
        ApplicationFactory()
    assert expected in _html(staff_client, reverse("admin:accounts_application_changelist"))


def test_polish_plural_rule_for_teens_and_compound_numbers():
    forms = ("faktura", "faktury", "faktur")
    assert [admin_grammar.plural_form(n, *forms) for n in (1, 2, 4, 5, 12, 14, 21, 22, 112, 124)] == [
        "faktura",
        "faktury",
        "faktury",
        "faktur",
        "faktur",
        "faktur",
        "faktur",
        "faktury",
        "faktur",
        "faktury",
    ]


def test_saving_says_what_was_saved_without_gender_guesswork(staff_client):
    announcement = AnnouncementFactory(title="Przerwa w dostawie wody")
    response = staff_client.post(
        reverse("admin:tickets_announcement_change", args=[announcement.pk]),
        {
            "title": announcement.title,
            "body": announcement.body,
            "valid_from_0": "01.12.2026",
            "valid_from_1": "08:00",
            "valid_until_0": "31.12.2026",
            "valid_until_1": "08:00",
            "for_all": "on",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Zapisano zmiany: ogłoszenie" in html
    assert "został(a)" not in html and "zmieniony(-na)" not in html


def test_index_has_no_english_app_or_model_names(staff_client):
    html = _html(staff_client, reverse("admin:index"))
    for english in [
        "Axes",
        "AXES",
        "Otp_Static",
        "Otp_Totp",
        "OTP_STATIC",
        "Access failures",
        "Static devices",
        "TOTP devices",
    ]:
        assert english not in html
    for polish in ["Logowania: próby i blokady", "Drugi składnik: kody zapasowe", "Drugi składnik: aplikacje TOTP"]:
        assert polish in html
    assert "Urządzenia TOTP" in html and "Zestawy kodów zapasowych" in html and "Nieudane logowania" in html


def test_second_factor_pages_are_in_polish(staff_client, staff):
    device = TOTPDevice.objects.get(user=staff)
    listing = _html(staff_client, reverse("admin:otp_totp_totpdevice_changelist"))
    assert "Wybierz urządzenie TOTP do zmiany" in listing and "QR Code" not in listing
    assert "Search by" not in listing and "Szukaj po loginie" in listing
    page = _html(staff_client, reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    for english in ["Identity", "Configuration", "Throttling", "The time step in seconds."]:
        assert english not in page
    assert "Ustawienia" in page and "krok (s)" in page.lower()


def test_import_runs_name_the_export_and_its_kind_in_polish(staff_client):
    ImportRun.objects.create(bundle="/tmp/x", export_id="E-2026-12-03", kind="full", status="imported")
    html = _html(staff_client, reverse("admin:sync_importrun_changelist"))
    assert "Identyfikator eksportu</a>" in html and "Export_id" not in html
    assert '<td class="field-kind">pełny</td>' in html


def test_every_permission_is_named_in_polish():
    assert not Permission.objects.filter(name__startswith="Can ").exists()
    assert Permission.objects.get(codename="add_application").name == "Może dodać wniosek o dostęp"
    assert Permission.objects.get(codename="view_invoice").name == "Może oglądać fakturę"
    assert Permission.objects.get(codename="delete_accessattempt").name == "Może usunąć próbę dostępu"
    assert Permission.objects.get(codename="change_session").name == "Może zmienić: sesja"


def test_permissions_are_renamed_again_after_each_migrate():
    Permission.objects.filter(codename="change_application").update(name="Can change application")
    assert permissions_in_polish(apps.get_app_config("accounts")) == 1
    assert Permission.objects.get(codename="change_application").name == "Może zmienić wniosek o dostęp"


def test_dates_in_admin_use_the_portals_form(staff_client):
    ApplicationFactory(email_confirmed_at=dt.datetime(2026, 12, 3, 7, 46, tzinfo=dt.UTC))
    html = _html(staff_client, reverse("admin:accounts_application_changelist"))
    assert "03.12.2026 08:46" in html


def test_english_admin_keeps_djangos_own_phrases(staff_client, settings):
    ApplicationFactory()
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _html(staff_client, reverse("admin:accounts_application_changelist"))
    assert 'lang="en"' in html
    assert "<h1>Select " in html and " to change</h1>" in html
    assert "Wybierz wniosek" not in html and "wniosek o dostęp" not in html


def test_every_model_a_clerk_sees_has_declined_forms():
    from django.contrib import admin

    missing = [model._meta.label_lower for model in admin.site._registry if admin_grammar.noun(model) is None]
    assert missing == []
    assert Application._meta.label_lower in admin_grammar.NOUNS


def test_the_delete_confirmation_declines_the_models_name(staff_client):
    announcement = AnnouncementFactory()
    page = _html(staff_client, reverse("admin:tickets_announcement_delete", args=[announcement.pk]))
    assert "Czy na pewno chcesz usunąć ogłoszenie „" in page
    user = TenantFactory()
    page = _html(staff_client, reverse("admin:accounts_user_delete", args=[user.pk]))
    assert "usunąć użytkownika „" in page and "usunąć użytkownik „" not in page
