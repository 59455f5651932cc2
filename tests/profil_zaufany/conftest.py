"""Profil Zaufany tests run against the local simulator of login.gov.pl, with
keys made once per test session in a temporary folder."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.profil_zaufany import saml
from accounts.profil_zaufany.conf import get_config, simulator_idp_pair
from accounts.profil_zaufany.simulator import idp
from accounts.profil_zaufany.xml import parse
from tests import factories


def make_pesel(first_ten: str) -> str:
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    total = sum(int(d) * w for d, w in zip(first_ten, weights, strict=True))
    return first_ten + str((10 - total % 10) % 10)


OWNER_PESEL = make_pesel("7203150123")
NOBODY_PESEL = make_pesel("9011110456")


@pytest.fixture(scope="session")
def pz_key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("pz-keys")


@pytest.fixture(autouse=True)
def pz_simulator(settings, pz_key_dir):
    settings.PZ_ENVIRONMENT = "simulator"
    settings.PZ_KEY_DIR = pz_key_dir
    settings.PZ_SP_ENTITY_ID = "https://ebok.test/"
    for name in ("PZ_SP_SIGNING_KEY", "PZ_SP_SIGNING_CERT", "PZ_SP_ENCRYPTION_KEY", "PZ_SP_ENCRYPTION_CERT"):
        setattr(settings, name, "")


@pytest.fixture
def cfg(pz_simulator):
    return get_config(RequestFactory().get("/"))


@pytest.fixture
def owner_person(db):
    """A back-office person owning two flats."""
    person = factories.PersonFactory(pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka")
    for _ in range(2):
        factories.TitleFactory(person=person)
    return person


@pytest.fixture
def route_soap_to_simulator(monkeypatch):
    """The portal's ArtifactResolve goes to the simulator in-process (the e2e tests use real HTTP)."""
    server = Client()

    def soap_post(url, body, *, timeout):
        response = server.generic("POST", urlsplit(url).path, body, content_type="text/xml")
        return response.content

    monkeypatch.setattr(saml, "soap_post", soap_post)


def post_fields(response) -> dict[str, str]:
    assert response.status_code == 200, response.content[:500]
    return dict(response.context["fields"])


def start(client) -> tuple[str, str]:
    """Press the button; (SAMLRequest, the AuthnRequest's ID)."""
    value = post_fields(client.post(reverse("profil_zaufany:start")))["SAMLRequest"]
    return value, parse(base64.b64decode(value)).get("ID")


def acs(client, artifact: str):
    response = client.post(reverse("profil_zaufany:acs"), {"SAMLart": artifact})
    assert response.status_code == 303
    return client.get(response["Location"])


def login_via_simulator(client, *, pesel: str, first_name: str, last_name: str, **extra):
    """The whole browser path through the simulator; returns the portal's answer at the ACS."""
    saml_request, _request_id = start(client)
    picker = client.post(reverse("profil_zaufany:simulator:sso"), {"SAMLRequest": saml_request})
    assert picker.status_code == 302, picker.content[:500]
    to_acs = client.post(
        picker["Location"],
        {"action": "login", "pesel": pesel, "first_name": first_name, "last_name": last_name, **extra},
    )
    return acs(client, post_fields(to_acs)["SAMLart"])


@dataclass
class Crafted:
    client: Client
    cfg: object
    request_id: str


def crafted_answer(monkeypatch, cfg, request_id: str, *, person=None, **options):
    """Make the IdP answer with a hand-built (possibly wrong) ArtifactResponse."""
    person = person or idp.Person(
        pesel=OWNER_PESEL, first_name="Halina", last_name="Zawadzka", date_of_birth="1972-03-15"
    )

    def soap_post(url, body, *, timeout):
        resolve_id, _artifact, _issuer = idp.read_artifact_resolve(body, sp_cert_pem=cfg.signing.cert_pem)
        return idp.build_artifact_response(
            resolve_id=resolve_id,
            request_id=request_id,
            acs_url=cfg.acs_url,
            sp_entity_id=cfg.sp_entity_id,
            sp_encryption_cert_pem=cfg.encryption.cert_pem,
            signing=simulator_idp_pair(),
            person=person,
            session_index="SI-" + request_id,
            options=idp.ResponseOptions(**options),
        )

    monkeypatch.setattr(saml, "soap_post", soap_post)


def new_artifact() -> str:
    return saml.make_artifact("symulator-login-gov-pl")


ONE_HOUR = dt.timedelta(hours=1)
