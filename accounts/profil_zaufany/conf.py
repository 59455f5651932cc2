"""Where login.gov.pl is and which keys the portal uses, resolved from settings at run time.

In ``simulator`` mode the "IdP" is the local simulator of this app at the
portal's own address, and the keys of both sides are made on first use in
``PZ_KEY_DIR`` (private keys never go into the repository).
"""

from __future__ import annotations

import fcntl
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.profil_zaufany.crypto import KeyPair, generate_key_pair, write_key_pair
from portal.links import absolute_url

LOA_LOW = "http://eidas.europa.eu/LoA/low"
LOA_ORDER = [LOA_LOW, "http://eidas.europa.eu/LoA/substantial", "http://eidas.europa.eu/LoA/high"]

# login.gov.pl's addresses. Private service providers (a housing cooperative, a utility
# company) are served at podmiotyzewnetrzne.login.gov.pl, public ones at login.gov.pl;
# the integration environment prefixes "int.".
_SSO_PATH = "/login/SingleSignOnService"
_ARTIFACT_PATH = "/login-services/idpArtifactResolutionService"
_SLO_PATH = "/login-services/singleLogoutService"

SIMULATOR_ENTITY_ID = "symulator-login-gov-pl"


class NotConfigured(RuntimeError):
    """Profil Zaufany is off, or a key or certificate file is missing."""


@dataclass(frozen=True)
class PzConfig:
    environment: str
    sp_entity_id: str
    sp_type: str
    sp_name: str
    acs_url: str
    slo_url: str
    metadata_url: str
    idp_entity_id: str
    idp_sso_url: str
    idp_artifact_url: str
    idp_slo_url: str
    signing: KeyPair
    encryption: KeyPair
    idp_cert_pem: bytes

    @property
    def is_simulator(self) -> bool:
        return self.environment == "simulator"


def is_enabled() -> bool:
    return settings.PZ_ENVIRONMENT in {"simulator", "int", "production"}


def _key_dir() -> Path:
    return Path(settings.PZ_KEY_DIR)


def _path(setting: str, default_name: str) -> Path:
    value = getattr(settings, setting, "")
    return Path(value) if value else _key_dir() / default_name


def sp_key_paths() -> dict[str, Path]:
    return {
        "signing_key": _path("PZ_SP_SIGNING_KEY", "sp-signing.key"),
        "signing_cert": _path("PZ_SP_SIGNING_CERT", "sp-signing.crt"),
        "encryption_key": _path("PZ_SP_ENCRYPTION_KEY", "sp-encryption.key"),
        "encryption_cert": _path("PZ_SP_ENCRYPTION_CERT", "sp-encryption.crt"),
    }


def simulator_idp_paths() -> tuple[Path, Path]:
    folder = _key_dir() / "simulator"
    return folder / "idp-signing.key", folder / "idp-signing.crt"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NotConfigured(f"brak pliku {path} (zob. docs/profil_zaufany.md)") from exc


@cache
def _read_pair_cached(key_path: str, cert_path: str, mtimes: tuple[float, float]) -> KeyPair:
    return KeyPair(key_pem=_read(Path(key_path)), cert_pem=_read(Path(cert_path)))


def read_pair(key_path: Path, cert_path: Path) -> KeyPair:
    try:
        mtimes = (key_path.stat().st_mtime, cert_path.stat().st_mtime)
    except OSError as exc:
        raise NotConfigured(
            f"brak klucza {key_path} lub certyfikatu {cert_path} (zob. docs/profil_zaufany.md)"
        ) from exc
    return _read_pair_cached(str(key_path), str(cert_path), mtimes)


def ensure_pair(key_path: Path, cert_path: Path, common_name: str) -> None:
    """Make the key pair if it is not there yet; a lock keeps two first requests from racing."""
    if key_path.exists() and cert_path.exists():
        return
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(key_path.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if key_path.exists() and cert_path.exists():
            return
        for stale in (key_path, cert_path):
            stale.unlink(missing_ok=True)
        write_key_pair(generate_key_pair(common_name), key_path, cert_path)


def ensure_simulator_keys() -> None:
    if settings.PZ_ENVIRONMENT != "simulator":
        raise NotConfigured("symulator jest wyłączony")
    paths = sp_key_paths()
    ensure_pair(paths["signing_key"], paths["signing_cert"], "e-BOK demo (podpis)")
    ensure_pair(paths["encryption_key"], paths["encryption_cert"], "e-BOK demo (szyfrowanie)")
    ensure_pair(*simulator_idp_paths(), "Symulator login.gov.pl")


def base_url(request: HttpRequest | None) -> str:
    """The portal's own address: the request's in simulator mode (the demo may run on any
    host and port), the configured PORTAL_BASE_URL otherwise (the registered addresses)."""
    if settings.PZ_ENVIRONMENT == "simulator" and request is not None:
        return request.build_absolute_uri("/")
    return absolute_url("/")


def absolute(request: HttpRequest | None, url_name: str) -> str:
    return urljoin(base_url(request), reverse(url_name))


def idp_host() -> str:
    host = "login.gov.pl" if settings.PZ_SP_TYPE == "public" else "podmiotyzewnetrzne.login.gov.pl"
    return f"https://int.{host}" if settings.PZ_ENVIRONMENT == "int" else f"https://{host}"


def get_config(request: HttpRequest | None = None, *, need_idp: bool = True) -> PzConfig:
    """The whole configuration; ``need_idp=False`` (the SP metadata) does without the IdP's
    certificate, which the operator only gets after handing the metadata over."""
    if not is_enabled():
        raise NotConfigured("logowanie przez Profil Zaufany jest wyłączone (PZ_ENVIRONMENT=off)")
    paths = sp_key_paths()
    if settings.PZ_ENVIRONMENT == "simulator":
        ensure_simulator_keys()
        idp_cert = read_pair(*simulator_idp_paths()).cert_pem
        idp_entity_id = SIMULATOR_ENTITY_ID
        sso = absolute(request, "profil_zaufany:simulator:sso")
        artifact = absolute(request, "profil_zaufany:simulator:artifact")
        slo = absolute(request, "profil_zaufany:simulator:slo")
    else:
        idp_cert = _read(_path("PZ_IDP_CERT", "idp.crt")) if need_idp else b""
        idp_entity_id = settings.PZ_IDP_ENTITY_ID
        sso = settings.PZ_IDP_SSO_URL or idp_host() + _SSO_PATH
        artifact = settings.PZ_IDP_ARTIFACT_URL or idp_host() + _ARTIFACT_PATH
        slo = settings.PZ_IDP_SLO_URL or idp_host() + _SLO_PATH
    return PzConfig(
        environment=settings.PZ_ENVIRONMENT,
        sp_entity_id=settings.PZ_SP_ENTITY_ID,
        sp_type="public" if settings.PZ_SP_TYPE == "public" else "private",
        sp_name=settings.PZ_SP_NAME,
        acs_url=absolute(request, "profil_zaufany:acs"),
        slo_url=absolute(request, "profil_zaufany:slo"),
        metadata_url=absolute(request, "profil_zaufany:metadata"),
        idp_entity_id=idp_entity_id,
        idp_sso_url=sso,
        idp_artifact_url=artifact,
        idp_slo_url=slo,
        signing=read_pair(paths["signing_key"], paths["signing_cert"]),
        encryption=read_pair(paths["encryption_key"], paths["encryption_cert"]),
        idp_cert_pem=idp_cert,
    )


def simulator_idp_pair() -> KeyPair:
    ensure_simulator_keys()
    return read_pair(*simulator_idp_paths())
