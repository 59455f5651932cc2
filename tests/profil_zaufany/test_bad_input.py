"""Every bad answer is refused with a Polish message and an audit entry, and nobody
is created or logged in. Each case changes one thing in an otherwise valid answer."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.profil_zaufany import crypto, saml
from portal.models import AuditEntry
from tests.profil_zaufany.conftest import OWNER_PESEL, acs, crafted_answer, new_artifact, start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _owner(owner_person):
    """The person exists with titles, so any refusal is the answer's fault, not the matching's."""


def assert_refused(response, reason: str, message: str) -> None:
    assert response.status_code == 403
    assert message in response.content.decode()
    entry = AuditEntry.objects.get(action="profil_zaufany.login_refused")
    assert entry.details["reason"] == reason, entry.details
    assert not User.objects.exists()
    assert not AuditEntry.objects.filter(action="accounts.login").exists()


def refused_answer(client, cfg, monkeypatch, **options):
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id, **options)
    return acs(client, new_artifact())


def test_a_response_signed_with_another_key_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, signing=crypto.generate_key_pair("napastnik"))
    assert_refused(response, "bad_signature", "ma nieprawidłowy podpis")


def test_an_assertion_signed_with_another_key_inside_a_good_response_is_refused(client, cfg, monkeypatch):
    from accounts.profil_zaufany.simulator import idp

    original = idp.build_assertion
    attacker = crypto.generate_key_pair("napastnik")

    def forged(**kwargs):
        kwargs["signing"] = attacker
        return original(**kwargs)

    monkeypatch.setattr(idp, "build_assertion", forged)
    assert_refused(refused_answer(client, cfg, monkeypatch), "bad_signature", "ma nieprawidłowy podpis")


def test_an_unsigned_assertion_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, sign_assertion=False)
    assert_refused(response, "bad_signature", "ma nieprawidłowy podpis")


def test_an_answer_with_neither_envelope_signed_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, sign_artifact_response=False, sign_response=False)
    assert_refused(response, "bad_signature", "ma nieprawidłowy podpis")


def test_a_signed_answer_changed_afterwards_is_refused(client, cfg, monkeypatch):
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id)
    honest = saml.soap_post

    def altered(url, body, *, timeout):
        return honest(url, body, timeout=timeout).replace(
            b"urn:oasis:names:tc:SAML:2.0:status:Success", b"urn:oasis:names:tc:SAML:2.0:status:Success ", 1
        )

    monkeypatch.setattr(saml, "soap_post", altered)
    assert_refused(acs(client, new_artifact()), "bad_signature", "ma nieprawidłowy podpis")


def test_a_wrong_audience_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, audience="https://inny-serwis.example/")
    assert_refused(response, "wrong_audience", "przeznaczona dla innego serwisu")


def test_a_wrong_destination_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, destination="https://inny-serwis.example/acs")
    assert_refused(response, "wrong_destination", "skierowana pod inny adres")


def test_a_wrong_recipient_in_the_assertion_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, recipient="https://inny-serwis.example/acs")
    assert_refused(response, "wrong_destination", "skierowana pod inny adres")


def test_an_expired_assertion_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, valid_from_offset=-dt.timedelta(minutes=10))
    assert_refused(response, "expired", "straciła ważność")


def test_an_assertion_read_after_it_expired_is_refused(client, cfg, monkeypatch):
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id)
    honest = saml.soap_post
    with time_machine.travel(dt.datetime.now(dt.UTC)) as traveller:

        def late(url, body, *, timeout):
            answer = honest(url, body, timeout=timeout)
            traveller.shift(dt.timedelta(minutes=7))  # five minutes of validity plus one of skew have passed
            return answer

        monkeypatch.setattr(saml, "soap_post", late)
        assert_refused(acs(client, new_artifact()), "expired", "straciła ważność")


def test_a_not_yet_valid_assertion_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, valid_from_offset=dt.timedelta(minutes=5))
    assert_refused(response, "not_yet_valid", "nie jest jeszcze ważna")


def test_a_clock_difference_within_the_skew_is_tolerated(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, valid_from_offset=dt.timedelta(seconds=30))
    assert response["Location"] == reverse("profil_zaufany:terms")


def test_a_replayed_artifact_is_refused(client, cfg, monkeypatch):
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id)
    artifact = new_artifact()
    first = acs(client, artifact)
    assert first["Location"] == reverse("profil_zaufany:terms")
    attacker = Client()
    _value, second_request = start(attacker)
    crafted_answer(monkeypatch, cfg, second_request)
    User.objects.all().delete()
    assert_refused(acs(attacker, artifact), "replayed_artifact", "została już wykorzystana")


def test_a_replayed_assertion_under_a_new_artifact_is_refused(client, cfg, monkeypatch):
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id, assertion_id="ID-same-assertion")
    assert acs(client, new_artifact())["Location"] == reverse("profil_zaufany:terms")
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id, assertion_id="ID-same-assertion")
    assert_refused(acs(client, new_artifact()), "replayed_assertion", "zostało już wykorzystane")


def test_a_tampered_ciphertext_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, tamper="ciphertext")
    assert_refused(response, "decryption_failed", "Nie udało się odszyfrować")


def test_a_tampered_authentication_tag_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, tamper="tag")
    assert_refused(response, "decryption_failed", "Nie udało się odszyfrować")


def test_an_unknown_in_response_to_is_refused(client, cfg, monkeypatch):
    response = refused_answer(client, cfg, monkeypatch, in_response_to="ID-never-asked-for")
    assert_refused(response, "unknown_request", "nie dotyczy logowania rozpoczętego w tej przeglądarce")


def test_an_answer_to_a_request_of_another_browser_is_refused(client, cfg, monkeypatch):
    _value, victims_request = start(Client())
    start(client)
    crafted_answer(monkeypatch, cfg, victims_request)
    assert_refused(acs(client, new_artifact()), "unknown_request", "nie dotyczy logowania rozpoczętego")


def test_an_answer_to_a_request_already_answered_is_refused(client, cfg, monkeypatch):
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id)
    assert acs(client, new_artifact())["Location"] == reverse("profil_zaufany:terms")
    assert_refused(acs(client, new_artifact()), "unknown_request", "nie dotyczy logowania rozpoczętego")


def test_an_answer_after_the_request_went_stale_is_refused(client, cfg, monkeypatch):
    _value, request_id = start(client)
    crafted_answer(monkeypatch, cfg, request_id)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert_refused(acs(client, new_artifact()), "expired", "straciła ważność")


def _answer_bytes(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(saml, "soap_post", lambda url, body, *, timeout: data)


def test_malformed_xml_is_refused(client, monkeypatch):
    start(client)
    _answer_bytes(monkeypatch, b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>")
    assert_refused(acs(client, new_artifact()), "malformed", "nieczytelna")


def test_an_xml_bomb_is_refused_without_expanding_it(client, monkeypatch):
    start(client)
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{lol}]>'
        "<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>&lol9;</soap:Body>"
        "</soap:Envelope>"
    ).encode()
    _answer_bytes(monkeypatch, bomb)
    assert_refused(acs(client, new_artifact()), "malformed", "nieczytelna")
    assert "DTD" in AuditEntry.objects.get().details["detail"]


def test_an_artifact_of_the_wrong_shape_is_refused(client):
    start(client)
    assert_refused(acs(client, "bm90LWFuLWFydGlmYWN0"), "malformed", "nieczytelna")


def test_login_gov_pl_unreachable_is_refused_with_advice_to_retry(client, monkeypatch):
    start(client)

    def down(url, body, *, timeout):
        raise saml.PzRefused("unavailable", "connection refused")

    monkeypatch.setattr(saml, "soap_post", down)
    assert_refused(acs(client, new_artifact()), "unavailable", "Spróbuj ponownie za kilka minut")


def test_an_acs_visit_without_any_login_started_is_refused(client, cfg, monkeypatch):
    crafted_answer(monkeypatch, cfg, "ID-whatever")
    assert_refused(acs(client, new_artifact()), "unknown_request", "nie dotyczy logowania rozpoczętego")


def test_a_pesel_with_a_bad_checksum_from_the_idp_is_refused(client, cfg, monkeypatch):
    from accounts.profil_zaufany.simulator import idp

    person = idp.Person(pesel=OWNER_PESEL[:-1] + str((int(OWNER_PESEL[-1]) + 1) % 10), first_name="A", last_name="B")
    response = refused_answer(client, cfg, monkeypatch, person=person)
    assert_refused(response, "missing_attributes", "prawidłowego numeru PESEL")
