import base64

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.urls import reverse

from accounts.models import UnitGrant, User
from accounts.profil_zaufany import crypto, saml
from accounts.profil_zaufany.xml import parse, q, text_of
from portal.models import AuditEntry
from tests import factories
from tests.profil_zaufany.conftest import (
    NOBODY_PESEL,
    OWNER_PESEL,
    acs,
    crafted_answer,
    login_via_simulator,
    new_artifact,
    start,
)

pytestmark = pytest.mark.django_db


def _logged_in_user(client):
    return client.session.get("_auth_user_id")


def test_authn_request_is_signed_and_asks_for_name_birth_date_and_pesel_at_least_low(client, cfg):
    value, _request_id = start(client)
    request = parse(base64.b64decode(value))
    assert crypto.verify(request, cfg.signing.cert_pem)
    assert crypto.signature_of(request).find(f".//{q('ds', 'SignatureMethod')}").get("Algorithm") == (
        crypto.DS_ECDSA_SHA256
    )
    assert request.get("ProtocolBinding") == saml.BINDING_ARTIFACT
    assert request.get("Destination") == cfg.idp_sso_url
    assert request.get("AssertionConsumerServiceURL") == "http://testserver/profil-zaufany/acs/"
    assert text_of(request.find(q("saml2", "Issuer"))) == "https://ebok.test/"
    names = {a.get("Name") for a in request.iter(q("eidas", "RequestedAttribute"))}
    assert names == {saml.ATTR_GIVEN_NAME, saml.ATTR_FAMILY_NAME, saml.ATTR_DATE_OF_BIRTH, saml.ATTR_PERSON_IDENTIFIER}
    context = request.find(q("saml2p", "RequestedAuthnContext"))
    assert context.get("Comparison") == "minimum"
    assert text_of(context) == "http://eidas.europa.eu/LoA/low"


def test_first_login_of_an_owner_asks_for_the_terms_then_creates_the_account_with_both_units(
    client, owner_person, route_soap_to_simulator
):
    response = login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    assert response.status_code == 302 and response["Location"] == reverse("profil_zaufany:terms")
    assert not User.objects.exists(), "no account before the terms are accepted"
    assert _logged_in_user(client) is None

    page = client.get(response["Location"])
    assert "Halina Zawadzka" in page.content.decode()
    refused = client.post(response["Location"], {})
    assert "zaakceptuj regulamin" in refused.content.decode()
    assert not User.objects.exists()

    done = client.post(response["Location"], {"accept": "on"})
    assert done.status_code == 302
    user = User.objects.get()
    assert user.person == owner_person
    assert user.username.isdigit() and not is_password_usable(user.password)  # a login id like staff-made ones
    assert (user.first_name, user.last_name) == ("Halina", "Zawadzka")
    assert set(user.grants.values_list("unit_id", flat=True)) == set(
        owner_person.titles.values_list("unit_id", flat=True)
    )
    assert set(user.grants.values_list("source", flat=True)) == {UnitGrant.Source.PROFIL_ZAUFANY}
    assert int(_logged_in_user(client)) == user.pk
    assert AuditEntry.objects.filter(action="profil_zaufany.terms_accepted", actor=user).exists()
    login_entry = AuditEntry.objects.get(action="accounts.login")
    assert login_entry.details["method"] == "profil_zaufany" and login_entry.actor == user
    assert AuditEntry.objects.filter(action="profil_zaufany.account_created", actor=user).exists()
    dashboard = client.get("/")
    for title in owner_person.titles.all():
        assert str(title.unit) in dashboard.content.decode()


def test_a_later_login_finds_the_same_account_without_asking_again(client, owner_person, route_soap_to_simulator):
    login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    client.post(reverse("profil_zaufany:terms"), {"accept": "on"})
    client.post(reverse("profil_zaufany:logout"))
    client.cookies.clear()

    response = login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert User.objects.count() == 1
    assert int(_logged_in_user(client)) == User.objects.get().pk
    assert UnitGrant.objects.count() == 2
    assert AuditEntry.objects.filter(action="accounts.login", details__method="profil_zaufany").count() == 2


def test_a_new_title_since_the_last_login_adds_its_unit(client, owner_person, route_soap_to_simulator):
    login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    client.post(reverse("profil_zaufany:terms"), {"accept": "on"})
    factories.TitleFactory(person=owner_person)
    client.cookies.clear()
    login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    assert UnitGrant.objects.filter(user=User.objects.get()).count() == 3


def test_production_quirk_of_a_128_bit_content_key_under_aes256_gcm_logs_in(
    client, owner_person, route_soap_to_simulator
):
    response = login_via_simulator(
        client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka", short_content_key="on"
    )
    assert response["Location"] == reverse("profil_zaufany:terms")


def test_a_person_with_no_title_gets_the_application_prefilled_with_the_name(client, route_soap_to_simulator):
    response = login_via_simulator(client, pesel=NOBODY_PESEL, first_name="Grzegorz", last_name="Brzęczyszczykiewicz")
    assert response["Location"] == reverse("profil_zaufany:no_match")
    page = client.get(response["Location"]).content.decode()
    assert "first_name=Grzegorz&amp;last_name=Brz%C4%99czyszczykiewicz" in page
    assert "Złóż wniosek o dostęp" in page
    assert not User.objects.exists()
    assert _logged_in_user(client) is None
    assert AuditEntry.objects.filter(action="profil_zaufany.no_match").exists()


def test_a_person_whose_title_ended_gets_no_account(client, route_soap_to_simulator):
    import datetime as dt

    person = factories.PersonFactory(pesel=NOBODY_PESEL)
    factories.TitleFactory(person=person, valid_to=dt.date(2020, 12, 31))
    response = login_via_simulator(client, pesel=NOBODY_PESEL, first_name="Zofia", last_name="Nowak")
    assert response["Location"] == reverse("profil_zaufany:no_match")


def test_a_blocked_account_is_refused(client, owner_person, route_soap_to_simulator):
    from django.utils import timezone

    user = factories.UserFactory(person=owner_person, blocked_at=timezone.now())
    response = login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    assert response.status_code == 403
    assert "Twoje konto w e-BOK jest zablokowane" in response.content.decode()
    assert _logged_in_user(client) is None
    entry = AuditEntry.objects.get(action="profil_zaufany.login_refused")
    assert entry.details["reason"] == "blocked" and entry.actor == user


def test_an_account_locked_by_wrong_passwords_still_logs_in_through_profil_zaufany(
    client, owner_person, route_soap_to_simulator
):
    user = factories.TenantFactory(person=owner_person)
    for _ in range(3):
        client.post(reverse("login"), {"username": user.username, "password": "zle-haslo"})
    locked = client.post(reverse("login"), {"username": user.username, "password": factories.PASSWORD})
    assert _logged_in_user(client) is None, locked.status_code

    response = login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    assert response["Location"] == reverse("home")
    assert int(_logged_in_user(client)) == user.pk


def test_an_existing_account_logs_in_and_is_asked_for_a_newer_terms_version_like_any_login(
    client, owner_person, route_soap_to_simulator
):
    user = factories.TenantFactory(person=owner_person)
    factories.TermsVersionFactory()
    response = login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    assert response["Location"] == reverse("home")
    assert int(_logged_in_user(client)) == user.pk
    assert client.get("/")["Location"].startswith(reverse("terms_accept"))
    assert User.objects.count() == 1


def test_cancelling_at_login_gov_pl_shows_a_polish_message(client, route_soap_to_simulator):
    saml_request, _ = start(client)
    picker = client.post(reverse("profil_zaufany:simulator:sso"), {"SAMLRequest": saml_request})
    to_acs = client.post(picker["Location"], {"action": "cancel"})
    response = acs(client, dict(to_acs.context["fields"])["SAMLart"])
    assert response.status_code == 403
    assert "Logowanie przez Profil Zaufany zostało anulowane." in response.content.decode()
    assert AuditEntry.objects.get(action="profil_zaufany.login_refused").details["reason"] == "cancelled"


def test_a_failed_authentication_at_login_gov_pl_shows_a_polish_message(client, route_soap_to_simulator):
    saml_request, _ = start(client)
    picker = client.post(reverse("profil_zaufany:simulator:sso"), {"SAMLRequest": saml_request})
    to_acs = client.post(picker["Location"], {"action": "fail"})
    response = acs(client, dict(to_acs.context["fields"])["SAMLart"])
    assert "Login.gov.pl nie potwierdził tożsamości" in response.content.decode()
    assert AuditEntry.objects.get(action="profil_zaufany.login_refused").details["reason"] == "idp_failed"


def test_the_simulator_refuses_a_typed_pesel_with_a_bad_checksum(client):
    saml_request, _ = start(client)
    picker = client.post(reverse("profil_zaufany:simulator:sso"), {"SAMLRequest": saml_request})
    page = client.post(
        picker["Location"], {"action": "login", "pesel": "12345678901", "first_name": "A", "last_name": "B"}
    )
    assert "To nie jest prawidłowy numer PESEL" in page.content.decode()


def test_the_simulator_refuses_an_authn_request_signed_with_another_key(client):
    other = crypto.generate_key_pair("obcy")
    value, _ = start(client)
    request = parse(base64.b64decode(value))
    request.remove(crypto.signature_of(request))
    crypto.sign(request, other, after=request.find(q("saml2", "Issuer")))
    from lxml import etree

    forged = base64.b64encode(etree.tostring(request)).decode()
    page = client.post(reverse("profil_zaufany:simulator:sso"), {"SAMLRequest": forged})
    assert page.status_code == 400
    assert "Symulator odrzucił żądanie" in page.content.decode()


def test_a_valid_crafted_answer_logs_in(client, cfg, monkeypatch, owner_person):
    """The crafted-answer helper itself produces an acceptable answer (the bad-input tests vary one thing)."""
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id)
    response = acs(client, new_artifact())
    assert response["Location"] == reverse("profil_zaufany:terms")


def test_the_application_form_opens_prefilled_with_the_verified_name(client):
    from accounts.profil_zaufany.services import apply_url

    html = client.get(apply_url("Halina", "Zawadzka")).content.decode()
    assert 'value="Halina"' in html and 'value="Zawadzka"' in html


def test_a_first_login_records_acceptance_of_the_current_terms_version(client, owner_person, route_soap_to_simulator):
    terms = factories.TermsVersionFactory()
    response = login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    client.post(response["Location"], {"accept": "on"})
    user = User.objects.get()
    assert user.acceptances.get().terms == terms
    assert client.get("/").status_code == 200  # not sent to accept the terms again
