import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from accounts.models import Application, TermsAcceptance, UnitGrant, User
from portal.models import AuditEntry, EmailMessage
from tests.factories import (
    ApplicationFactory,
    PersonFactory,
    TenantFactory,
    TermsVersionFactory,
    TitleFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def _change_url(application):
    return reverse("admin:accounts_application_change", args=[application.pk])


def _post_change(staff_client, application, **extra):
    """The change form as the browser sends it (the units inline included)."""
    units = list(application.units.all())
    data = {
        "person": application.person_id or "",
        "staff_note": application.staff_note,
        "units-TOTAL_FORMS": str(len(units)),
        "units-INITIAL_FORMS": str(len(units)),
        "units-MIN_NUM_FORMS": "0",
        "units-MAX_NUM_FORMS": "1000",
    }
    for i, item in enumerate(units):
        data[f"units-{i}-id"] = str(item.pk)
        data[f"units-{i}-application"] = str(application.pk)
        data[f"units-{i}-unit"] = str(item.unit_id or "")
    data.update(extra)
    return staff_client.post(_change_url(application), data)


def test_pending_applications_show_their_age_in_working_days_and_flag_the_late_ones(staff_client):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)):  # Monday
        old = ApplicationFactory()
    with time_machine.travel(dt.datetime(2026, 11, 12, 9, 0, tzinfo=dt.UTC)):  # Thursday
        recent = ApplicationFactory()
    with time_machine.travel(dt.datetime(2026, 11, 13, 10, 0, tzinfo=dt.UTC)):  # Friday
        html = staff_client.get(reverse("admin:accounts_application_changelist")).content.decode()
    # 3, 4, 5, 6, 9, 10, 12, 13 Nov: 8 working days (11 Nov is a holiday, the weekend does not count).
    assert old.number in html and recent.number in html
    assert "8 — po terminie (5 dni roboczych)" in html
    assert '<td class="field-waiting">1</td>' in html


def test_decided_applications_leave_the_default_list(staff_client):
    done = ApplicationFactory(status=Application.Status.ACTIVATED)
    waiting = ApplicationFactory()
    html = staff_client.get(reverse("admin:accounts_application_changelist")).content.decode()
    assert waiting.number in html and done.number not in html
    html = staff_client.get(reverse("admin:accounts_application_changelist") + "?stan=activated").content.decode()
    assert done.number in html


def test_matching_panel_shows_back_office_persons_and_units_by_pesel_name_and_address(staff_client, zrodlana_unit):
    by_pesel = PersonFactory(first_name="Inna", last_name="Osoba", pesel="44051401458")
    by_name = PersonFactory(first_name="Zofia", last_name="Łęcka", pesel="")
    holder = PersonFactory(first_name="Jan", last_name="Właściciel", pesel="")
    TitleFactory(unit=zrodlana_unit, person=holder)
    PersonFactory(first_name="Nie", last_name="Pasuje", pesel="")
    application = ApplicationFactory(first_name="Zofia", last_name="Łęcka", pesel="44051401458")
    application.units.create(street="Źródlana", building_no="7", unit_no="12")
    html = staff_client.get(_change_url(application)).content.decode()
    assert by_pesel.external_id in html and "PESEL" in html
    assert by_name.external_id in html and "imię i nazwisko" in html
    assert holder.external_id in html and f"tytuł prawny do lokalu {zrodlana_unit.external_id}: własność" in html
    assert "Pasuje" not in html
    assert zrodlana_unit.external_id in html and f'value="{application.units.get().pk}:{zrodlana_unit.pk}"' in html


def test_staff_pick_the_unit_and_the_person_from_the_panel(staff_client, zrodlana_unit):
    person = PersonFactory(first_name="Zofia", last_name="Łęcka")
    application = ApplicationFactory(first_name="Zofia", last_name="Łęcka")
    requested = application.units.create(street="ul. Źródlana", building_no="7", unit_no="12")
    response = _post_change(staff_client, application, _pick_unit=f"{requested.pk}:{zrodlana_unit.pk}")
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.unit == zrodlana_unit
    _post_change(staff_client, application, _pick_person=str(person.pk))
    application.refresh_from_db()
    assert application.person == person


def test_staff_pick_any_unit_from_the_database_with_the_autocomplete_field(staff_client):
    unit = UnitFactory()
    application = ApplicationFactory()
    requested = application.units.create(street="Nieznana", building_no="1")
    found = staff_client.get(
        reverse("admin:autocomplete"),
        {"term": unit.external_id, "app_label": "accounts", "model_name": "applicationunit", "field_name": "unit"},
    ).json()
    assert [r["id"] for r in found["results"]] == [str(unit.pk)]
    application.units.update(unit=None)
    data_unit = {"units-0-unit": str(unit.pk)}
    assert _post_change(staff_client, application, **data_unit).status_code == 302
    requested.refresh_from_db()
    assert requested.unit == unit


def test_activation_creates_the_account_with_a_generated_login_and_first_password(
    staff_client, staff, django_capture_on_commit_callbacks
):
    units = [UnitFactory(), UnitFactory()]
    person = PersonFactory()
    terms = TermsVersionFactory()
    application = ApplicationFactory(units=units, person=person, terms_version=terms, consent_e_invoice=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_change(staff_client, application, person=str(person.pk), _activate="1")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ACTIVATED and application.decided_by == staff
    user = application.user
    assert user.username.isdigit() and len(user.username) == 8 and user.username != user.email
    assert user.must_change_password and user.person == person and user.consent_e_invoice
    assert identify_hasher(user.password).algorithm == "argon2"
    assert sorted(g.unit_id for g in user.grants.all()) == sorted(u.pk for u in units)
    assert set(user.grants.values_list("source", flat=True)) == {UnitGrant.Source.APPLICATION}
    assert TermsAcceptance.objects.filter(user=user, terms=terms).exists()
    message = EmailMessage.objects.get(user=user)
    assert message.to == [application.email]
    assert f"Login: {user.username}" in message.body_text
    password = message.body_text.split("Pierwsze hasło: ")[1].split()[0]
    assert user.check_password(password)
    assert AuditEntry.objects.filter(action="application.activate", object_id=str(application.pk)).exists()
    assert AuditEntry.objects.filter(action="account.create", object_id=str(user.pk), actor=staff).exists()


def test_activation_is_refused_until_every_unit_is_matched(staff_client):
    application = ApplicationFactory()
    application.units.create(street="Nieznana", building_no="1")
    response = _post_change(staff_client, application, _activate="1")
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "przypisz lokal z systemu źródłowego do każdego lokalu" in page
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING and not User.objects.filter(email=application.email)


def test_an_application_cannot_be_activated_twice(staff_client):
    application = ApplicationFactory(units=[UnitFactory()])
    _post_change(staff_client, application, _activate="1")
    from django.core.exceptions import ValidationError

    from accounts.services import application_activate

    with pytest.raises(ValidationError, match="nie można aktywować"):
        application_activate(application=application, by=None)
    assert User.objects.filter(email=application.email).count() == 1


def test_an_existing_account_with_the_same_email_gets_the_new_units(staff_client):
    tenant = TenantFactory(units=[UnitFactory()])
    new_unit = UnitFactory()
    application = ApplicationFactory(email=tenant.email.upper(), units=[new_unit])
    _post_change(staff_client, application, _activate="1")
    assert User.objects.filter(email__iexact=tenant.email).count() == 1
    assert tenant.grants.filter(unit=new_unit).exists()
    assert EmailMessage.objects.get(user=tenant).subject == "e-BOK: dostęp do kolejnych lokali"


def test_rejection_needs_a_reason_which_is_emailed_to_the_applicant(staff_client, staff):
    application = ApplicationFactory()
    url = reverse("admin:accounts_application_reject", args=[application.pk])
    html = staff_client.post(url, {"reason": ""}).content.decode()
    assert "To pole jest wymagane." in html
    assert staff_client.post(url, {"reason": "Brak tytułu prawnego do lokalu w kartotece."}).status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    message = EmailMessage.objects.get()
    assert message.to == [application.email] and "Brak tytułu prawnego do lokalu w kartotece." in message.body_text
    assert AuditEntry.objects.get(action="application.reject").actor == staff


def test_staff_can_print_the_application(staff_client):
    application = ApplicationFactory(units=[UnitFactory()])
    response = staff_client.get(reverse("admin:accounts_application_pdf", args=[application.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_pending_list_costs_the_same_queries_for_one_or_twenty_applications(
    staff_client, django_assert_max_num_queries
):
    url = reverse("admin:accounts_application_changelist")
    ApplicationFactory(units=[UnitFactory()])
    staff_client.get(url)
    with django_assert_max_num_queries(12) as one:
        staff_client.get(url)
    for _ in range(19):
        ApplicationFactory(units=[UnitFactory()])
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = staff_client.get(url).content.decode()
    assert html.count('class="field-number"') == 20


def test_an_account_staff_create_by_hand_must_change_its_password(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "87654321",
            "usable_password": "true",
            "password1": "Nadane2026x",
            "password2": "Nadane2026x",
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="87654321").must_change_password
