"""Single logout both ways: the portal logs the person out at login.gov.pl too, and a
logout at login.gov.pl ends the portal session (even without the browser's cookie)."""

import base64

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.profil_zaufany import crypto, saml
from accounts.profil_zaufany.conf import SIMULATOR_ENTITY_ID, simulator_idp_pair
from accounts.profil_zaufany.models import IdpSession, LogoutRequestSent, SimulatorSession
from accounts.profil_zaufany.xml import parse, q, text_of, to_bytes
from portal.models import AuditEntry
from tests import factories
from tests.profil_zaufany.conftest import OWNER_PESEL, login_via_simulator, post_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, owner_person, route_soap_to_simulator):
    user = factories.TenantFactory(person=owner_person)
    response = login_via_simulator(client, pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    assert response["Location"] == reverse("home")
    return user


def test_the_header_logout_of_a_profil_zaufany_session_goes_through_login_gov_pl(client, logged_in):
    page = client.get("/").content.decode()
    assert f'action="{reverse("profil_zaufany:logout")}"' in page


def test_portal_logout_sends_a_signed_logout_request_and_the_simulator_confirms(client, logged_in, cfg):
    idp_session = IdpSession.objects.get(user=logged_in)
    to_idp = client.post(reverse("profil_zaufany:logout"))
    assert "_auth_user_id" not in client.session
    fields = post_fields(to_idp)
    assert to_idp.context["action"] == cfg.idp_slo_url
    request = parse(base64.b64decode(fields["SAMLRequest"]))
    assert request.tag == q("saml2p", "LogoutRequest")
    assert crypto.verify(request, cfg.signing.cert_pem)
    assert text_of(request.find(q("saml2p", "SessionIndex"))) == idp_session.session_index

    back = client.post(reverse("profil_zaufany:simulator:slo"), fields)
    assert SimulatorSession.objects.get(session_index=idp_session.session_index).ended_at is not None
    done = client.post(reverse("profil_zaufany:slo"), post_fields(back), follow=True)
    assert "Wylogowano z e-BOK i z login.gov.pl." in done.content.decode()
    assert LogoutRequestSent.objects.get().answered_at is not None
    assert AuditEntry.objects.filter(action="accounts.logout", details__method="profil_zaufany").exists()


def test_logout_at_login_gov_pl_ends_the_portal_session_without_the_browsers_cookie(client, logged_in):
    session_key = client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()
    to_portal = client.post(reverse("profil_zaufany:simulator:logout"))
    fields = post_fields(to_portal)

    cross_site = Client()  # login.gov.pl's POST reaches the portal without the SameSite=Lax cookie
    answer = cross_site.post(reverse("profil_zaufany:slo"), fields)
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/").context["user"].is_anonymous
    reply = parse(base64.b64decode(post_fields(answer)["SAMLResponse"]))
    assert reply.tag == q("saml2p", "LogoutResponse")
    assert reply.find(f"{q('saml2p', 'Status')}/{q('saml2p', 'StatusCode')}").get("Value") == saml.STATUS_SUCCESS
    assert AuditEntry.objects.filter(action="accounts.logout", details__initiated_by="idp", actor=logged_in).exists()
    shown = client.post(reverse("profil_zaufany:simulator:slo"), post_fields(answer))
    assert "Wylogowano ze wszystkich serwisów" in shown.content.decode()


def test_a_soap_logout_request_from_login_gov_pl_ends_the_session_and_is_answered_over_soap(client, logged_in, cfg):
    session_key = client.session.session_key
    idp_session = IdpSession.objects.get(user=logged_in)
    request = saml.build_logout_request(
        issuer=SIMULATOR_ENTITY_ID,
        destination=cfg.slo_url,
        signing=simulator_idp_pair(),
        name_id=idp_session.name_id,
        session_index=idp_session.session_index,
        request_id=saml.new_id(),
    )
    answer = Client().generic(
        "POST", reverse("profil_zaufany:slo"), saml.soap_envelope(request), content_type="text/xml"
    )
    assert answer.status_code == 200
    assert saml.soap_body_child(answer.content).tag == q("saml2p", "LogoutResponse")
    assert not Session.objects.filter(session_key=session_key).exists()


def test_a_logout_request_signed_by_someone_else_is_refused_and_ends_nothing(client, logged_in, cfg):
    session_key = client.session.session_key
    idp_session = IdpSession.objects.get(user=logged_in)
    forged = saml.build_logout_request(
        issuer=SIMULATOR_ENTITY_ID,
        destination=cfg.slo_url,
        signing=crypto.generate_key_pair("napastnik"),
        name_id=idp_session.name_id,
        session_index=idp_session.session_index,
        request_id=saml.new_id(),
    )
    answer = Client().post(reverse("profil_zaufany:slo"), {"SAMLRequest": saml.post_binding_value(to_bytes(forged))})
    assert answer.status_code == 400
    assert "nieprawidłowy podpis" in answer.content.decode()
    assert Session.objects.filter(session_key=session_key).exists()
    assert AuditEntry.objects.get(action="profil_zaufany.logout_refused").details["reason"] == "bad_signature"


def test_a_logout_response_to_no_request_of_ours_is_refused(client, cfg):
    response = saml.build_logout_response(
        issuer=SIMULATOR_ENTITY_ID,
        destination=cfg.slo_url,
        signing=simulator_idp_pair(),
        in_response_to="ID-never-sent",
    )
    answer = client.post(reverse("profil_zaufany:slo"), {"SAMLResponse": saml.post_binding_value(to_bytes(response))})
    assert answer.status_code == 400


def test_a_password_session_logs_out_locally_only(client, owner):
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert f'action="{reverse("logout")}"' in page
    response = client.post(reverse("profil_zaufany:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert not LogoutRequestSent.objects.exists()
