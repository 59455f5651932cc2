import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from accounts.profil_zaufany import crypto
from accounts.profil_zaufany.conf import NotConfigured, get_config
from accounts.profil_zaufany.xml import parse, q

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "DEMO": "0",
    "SECRET_KEY": "a-long-production-secret-key-that-is-random-enough-4f1c9b2e7d3a8f6e5b0c",
    "ALLOWED_HOSTS": "ebok.example.pl",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PZ_") and k not in {"DEBUG", "DEMO"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_simulator_cannot_be_enabled_with_production_settings():
    result = _manage("check", env={**PRODUCTION_ENV, "PZ_ENVIRONMENT": "simulator"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PZ_ENVIRONMENT=simulator" in lines[0] and "DEBUG=0" in lines[0]


def test_production_settings_default_to_profil_zaufany_off_and_the_demo_to_the_simulator():
    code = "from django.conf import settings as s; print(s.PZ_ENVIRONMENT)"
    production = _manage("shell", "-c", code, env=PRODUCTION_ENV)
    demo = _manage("shell", "-c", code, env={"DEBUG": "1"})
    assert production.stdout.strip().splitlines()[-1] == "off", production.stderr
    assert demo.stdout.strip().splitlines()[-1] == "simulator", demo.stderr


def test_an_unknown_environment_stops_start_up():
    result = _manage("check", env={"DEBUG": "1", "PZ_ENVIRONMENT": "staging"})
    assert result.returncode != 0 and "PZ_ENVIRONMENT=staging" in result.stderr


@pytest.mark.parametrize(
    ("environment", "sp_type", "host"),
    [
        ("production", "private", "https://podmiotyzewnetrzne.login.gov.pl"),
        ("production", "public", "https://login.gov.pl"),
        ("int", "private", "https://int.podmiotyzewnetrzne.login.gov.pl"),
        ("int", "public", "https://int.login.gov.pl"),
    ],
)
def test_login_gov_pl_endpoints_follow_the_environment(settings, pz_key_dir, environment, sp_type, host):
    get_config(RequestFactory().get("/"))  # simulator mode makes the portal's keys on first use
    (pz_key_dir / "idp.crt").write_bytes(crypto.generate_key_pair("login.gov.pl").cert_pem)
    settings.PZ_ENVIRONMENT = environment
    settings.PZ_SP_TYPE = sp_type
    settings.PORTAL_BASE_URL = "https://ebok.example.pl"
    cfg = get_config(RequestFactory().get("/"))
    assert cfg.idp_sso_url == f"{host}/login/SingleSignOnService"
    assert cfg.idp_artifact_url == f"{host}/login-services/idpArtifactResolutionService"
    assert cfg.idp_slo_url == f"{host}/login-services/singleLogoutService"
    assert cfg.acs_url == "https://ebok.example.pl/profil-zaufany/acs/"


def test_a_missing_key_file_makes_profil_zaufany_unavailable_not_broken(settings, tmp_path, client, db):
    settings.PZ_ENVIRONMENT = "production"
    settings.PZ_KEY_DIR = tmp_path
    with pytest.raises(NotConfigured):
        get_config()
    response = client.post(reverse("profil_zaufany:start"))
    assert response.status_code == 503
    assert "chwilowo niedostępne" in response.content.decode()


def test_the_simulator_is_not_reachable_outside_simulator_mode(settings, client, db):
    settings.PZ_ENVIRONMENT = "int"
    assert client.get(reverse("profil_zaufany:simulator:home")).status_code == 404
    assert client.post(reverse("profil_zaufany:simulator:sso")).status_code == 404


def test_metadata_names_the_certificates_and_the_endpoints(client, cfg):
    response = client.get(reverse("profil_zaufany:metadata"))
    assert response.status_code == 200
    metadata = parse(response.content)
    assert metadata.get("entityID") == "https://ebok.test/"
    sp = metadata.find(q("md", "SPSSODescriptor"))
    assert sp.get("AuthnRequestsSigned") == "true" and sp.get("WantAssertionsSigned") == "true"
    certificates = {
        d.get("use"): d.find(f".//{q('ds', 'X509Certificate')}").text for d in sp.findall(q("md", "KeyDescriptor"))
    }
    assert certificates == {
        "signing": crypto.cert_base64(cfg.signing.cert_pem),
        "encryption": crypto.cert_base64(cfg.encryption.cert_pem),
    }
    acs = sp.find(q("md", "AssertionConsumerService"))
    assert acs.get("Location") == "http://testserver/profil-zaufany/acs/"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    assert {s.get("Location") for s in sp.findall(q("md", "SingleLogoutService"))} == {
        "http://testserver/profil-zaufany/slo/"
    }
    assert b"PRIVATE KEY" not in response.content


def test_keygen_makes_private_ec_keys_and_refuses_to_overwrite_them(settings, tmp_path):
    settings.PZ_KEY_DIR = tmp_path / "klucze"
    call_command("pz_keygen", "--common-name", "ebok.example.pl", stdout=io.StringIO())
    for use in ("signing", "encryption"):
        key = tmp_path / "klucze" / f"sp-{use}.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        pair = crypto.KeyPair(key.read_bytes(), (tmp_path / "klucze" / f"sp-{use}.crt").read_bytes())
        assert pair.private_key.curve.name == "secp256r1"
        assert pair.certificate.public_key() == pair.private_key.public_key()
    with pytest.raises(CommandError, match="już istnieją"):
        call_command("pz_keygen", stdout=io.StringIO())


def test_the_login_page_offers_profil_zaufany(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Zaloguj przez Profil Zaufany" in page
    assert f'action="{reverse("profil_zaufany:start")}"' in page


def test_the_login_page_hides_profil_zaufany_when_it_is_off(client, settings, db):
    settings.PZ_ENVIRONMENT = "off"
    assert "Zaloguj przez Profil Zaufany" not in client.get(reverse("login")).content.decode()
    assert client.post(reverse("profil_zaufany:start")).status_code == 404


def test_metadata_is_available_before_login_gov_pl_certificate_is_installed(settings, pz_key_dir, client, cfg):
    settings.PZ_ENVIRONMENT = "int"
    (pz_key_dir / "idp.crt").unlink(missing_ok=True)
    response = client.get(reverse("profil_zaufany:metadata"))
    assert response.status_code == 200
    assert parse(response.content).get("entityID") == "https://ebok.test/"


def test_old_replay_store_rows_are_pruned_and_fresh_ones_kept(db):
    import datetime as dt

    import time_machine

    from accounts.profil_zaufany.models import ConsumedArtifact, ConsumedAssertion
    from accounts.profil_zaufany.tasks import replay_store_prune

    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        ConsumedArtifact.objects.create(artifact_sha256="a" * 64)
        ConsumedAssertion.objects.create(assertion_id="ID-old")
    ConsumedArtifact.objects.create(artifact_sha256="b" * 64)
    assert replay_store_prune.delay().get() == 2
    assert list(ConsumedArtifact.objects.values_list("artifact_sha256", flat=True)) == ["b" * 64]
    assert replay_store_prune.delay().get() == 0
