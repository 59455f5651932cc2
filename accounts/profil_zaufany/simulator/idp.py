"""The IdP half of login.gov.pl, for the local simulator and the tests.

It reads the portal's signed AuthnRequest and ArtifactResolve, and answers with
the same cryptography as the real node: a signed ArtifactResponse carrying a
signed Response whose signed Assertion is encrypted to the portal's encryption
certificate with ECDH-ES + ConcatKDF + AES key wrap + AES-GCM. The knobs of
:class:`ResponseOptions` make the wrong answers the tests need.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from lxml import etree

from accounts.profil_zaufany import crypto, saml
from accounts.profil_zaufany.conf import LOA_LOW, SIMULATOR_ENTITY_ID
from accounts.profil_zaufany.saml import PzRefused
from accounts.profil_zaufany.xml import q, text_of, to_bytes


@dataclass
class Person:
    pesel: str
    first_name: str
    last_name: str
    date_of_birth: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "pesel": self.pesel,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.date_of_birth,
        }


@dataclass
class ResponseOptions:
    """How the answer is built. The defaults are what the real node does."""

    status: str = saml.STATUS_SUCCESS
    sub_status: str = ""
    status_message: str = ""
    content_key_bytes: int = 32  # 16 = production's quirk (128-bit key, aes256-gcm declared)
    sign_artifact_response: bool = True
    sign_response: bool = True
    sign_assertion: bool = True
    signing: crypto.KeyPair | None = None  # another key = a bad signature
    destination: str | None = None
    recipient: str | None = None
    audience: str | None = None
    in_response_to: str | None = None
    artifact_in_response_to: str | None = None
    valid_from_offset: dt.timedelta = field(default_factory=lambda: dt.timedelta(0))
    lifetime: dt.timedelta = field(default_factory=lambda: dt.timedelta(minutes=5))
    assertion_id: str | None = None
    loa: str = LOA_LOW
    tamper: str = ""  # "ciphertext" or "tag": flip a bit after encrypting, before signing
    issuer: str = SIMULATOR_ENTITY_ID


def read_authn_request(element: etree._Element, *, sp_cert_pem: bytes, sso_url: str) -> dict[str, str]:
    """Check the portal's AuthnRequest as login.gov.pl would; what the answer needs from it."""
    issuer = _portal_issuer(element, "AuthnRequest", sp_cert_pem=sp_cert_pem)
    if element.get("Destination") != sso_url:
        raise PzRefused("wrong_destination", element.get("Destination") or "")
    if element.get("ProtocolBinding") != saml.BINDING_ARTIFACT:
        raise PzRefused("malformed", "only the artifact binding is offered")
    issued = saml.parse_instant(element.get("IssueInstant"))
    if abs(timezone.now() - issued) > dt.timedelta(minutes=10):
        raise PzRefused("expired", "AuthnRequest too old")
    return {
        "request_id": element.get("ID") or "",
        "acs_url": element.get("AssertionConsumerServiceURL") or "",
        "sp_entity_id": issuer,
    }


def read_artifact_resolve(data: bytes, *, sp_cert_pem: bytes) -> tuple[str, str, str]:
    """(ArtifactResolve ID, artifact, issuer) from the portal's signed SOAP request."""
    element = saml.soap_body_child(data)
    issuer = _portal_issuer(element, "ArtifactResolve", sp_cert_pem=sp_cert_pem)
    return element.get("ID") or "", text_of(element.find(q("saml2p", "Artifact"))), issuer


def _portal_issuer(element: etree._Element, kind: str, *, sp_cert_pem: bytes) -> str:
    """The issuer of a request of the portal, once it is the ``kind`` expected, signed by the
    portal's key, and issued by the one service provider registered with the simulator."""
    if element.tag != q("saml2p", kind):
        raise PzRefused("malformed", f"not an {kind}")
    try:
        crypto.verify(element, sp_cert_pem, required=True)
    except crypto.SignatureError as exc:
        raise PzRefused("bad_signature", str(exc)) from exc
    issuer = text_of(element.find(q("saml2", "Issuer")))
    if issuer != settings.PZ_SP_ENTITY_ID:
        raise PzRefused("wrong_issuer", f"unregistered service provider {issuer!r}")
    return issuer


def _attribute(statement: etree._Element, friendly: str, name: str, value: str, xsi_type: str) -> None:
    attribute = saml._sub(
        statement, "saml2", "Attribute", FriendlyName=friendly, Name=name, NameFormat=saml.ATTRNAME_URI
    )
    attribute_value = saml._sub(attribute, "saml2", "AttributeValue", value)
    attribute_value.set(q("xsi", "type"), f"naturalperson:{xsi_type}")


def build_assertion(
    *,
    person: Person,
    request_id: str,
    acs_url: str,
    sp_entity_id: str,
    session_index: str,
    signing: crypto.KeyPair,
    options: ResponseOptions,
    now: dt.datetime,
) -> etree._Element:
    start = now + options.valid_from_offset
    end = start + options.lifetime
    assertion = saml._root(
        "saml2",
        "Assertion",
        "xsi",
        "naturalperson",
        "ds",
        ID=options.assertion_id or saml.new_id(),
        Version=saml.SAML_VERSION,
        IssueInstant=saml.instant(start),
    )
    issuer = saml._sub(assertion, "saml2", "Issuer", options.issuer)
    subject = saml._sub(assertion, "saml2", "Subject")
    saml._sub(subject, "saml2", "NameID", person.pesel, Format=saml.NAMEID_UNSPECIFIED)
    confirmation = saml._sub(subject, "saml2", "SubjectConfirmation", Method=saml.CM_BEARER)
    saml._sub(
        confirmation,
        "saml2",
        "SubjectConfirmationData",
        InResponseTo=options.in_response_to or request_id,
        NotOnOrAfter=saml.instant(end),
        Recipient=options.recipient or acs_url,
    )
    conditions = saml._sub(
        assertion, "saml2", "Conditions", NotBefore=saml.instant(start), NotOnOrAfter=saml.instant(end)
    )
    restriction = saml._sub(conditions, "saml2", "AudienceRestriction")
    saml._sub(restriction, "saml2", "Audience", options.audience or sp_entity_id)
    statement = saml._sub(
        assertion, "saml2", "AuthnStatement", AuthnInstant=saml.instant(start), SessionIndex=session_index
    )
    context = saml._sub(statement, "saml2", "AuthnContext")
    saml._sub(context, "saml2", "AuthnContextClassRef", options.loa)
    attributes = saml._sub(assertion, "saml2", "AttributeStatement")
    _attribute(attributes, "FirstName", saml.ATTR_GIVEN_NAME, person.first_name, "CurrentGivenNameType")
    _attribute(attributes, "FamilyName", saml.ATTR_FAMILY_NAME, person.last_name, "CurrentFamilyNameType")
    if person.date_of_birth:
        _attribute(attributes, "DateOfBirth", saml.ATTR_DATE_OF_BIRTH, person.date_of_birth, "DateOfBirthType")
    _attribute(attributes, "PersonIdentifier", saml.ATTR_PERSON_IDENTIFIER, person.pesel, "PersonIdentifierType")
    if options.sign_assertion:
        crypto.sign(assertion, options.signing or signing, after=issuer)
    return assertion


def _tamper(encrypted_data: etree._Element, where: str) -> None:
    value = encrypted_data.find(f"{q('xenc', 'CipherData')}/{q('xenc', 'CipherValue')}")
    raw = bytearray(base64.b64decode(value.text))
    index = len(raw) - 1 if where == "tag" else crypto.GCM_IV_BYTES + 2
    raw[index] ^= 0x01
    value.text = base64.b64encode(bytes(raw)).decode()


def build_artifact_response(
    *,
    resolve_id: str,
    request_id: str,
    acs_url: str,
    sp_entity_id: str,
    sp_encryption_cert_pem: bytes,
    signing: crypto.KeyPair,
    person: Person | None,
    session_index: str,
    options: ResponseOptions | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The SOAP answer to an ArtifactResolve. ``person=None`` with a non-success status
    is the answer after a cancelled or failed authentication."""
    options = options or ResponseOptions()
    now = now or timezone.now()
    key = options.signing or signing

    response = saml._root(
        "saml2p",
        "Response",
        "saml2",
        "ds",
        ID=saml.new_id(),
        Version=saml.SAML_VERSION,
        IssueInstant=saml.instant(now),
        InResponseTo=options.in_response_to or request_id,
        Destination=options.destination or acs_url,
    )
    response_issuer = saml._sub(response, "saml2", "Issuer", options.issuer)
    status = saml._sub(response, "saml2p", "Status")
    code = saml._sub(status, "saml2p", "StatusCode", Value=options.status)
    if options.sub_status:
        saml._sub(code, "saml2p", "StatusCode", Value=options.sub_status)
    if options.status_message:
        saml._sub(status, "saml2p", "StatusMessage", options.status_message)
    if options.status == saml.STATUS_SUCCESS and person is not None:
        assertion = build_assertion(
            person=person,
            request_id=request_id,
            acs_url=acs_url,
            sp_entity_id=sp_entity_id,
            session_index=session_index,
            signing=signing,
            options=options,
            now=now,
        )
        encrypted = crypto.encrypt(
            to_bytes(assertion),
            sp_encryption_cert_pem,
            party_u=options.issuer,
            party_v=sp_entity_id,
            content_key_bytes=options.content_key_bytes,
        )
        if options.tamper:
            _tamper(encrypted, options.tamper)
        saml._sub(response, "saml2", "EncryptedAssertion").append(encrypted)
    if options.sign_response:
        crypto.sign(response, key, after=response_issuer)

    artifact_response = saml._root(
        "saml2p",
        "ArtifactResponse",
        "saml2",
        "ds",
        ID=saml.new_id(),
        Version=saml.SAML_VERSION,
        IssueInstant=saml.instant(now),
        InResponseTo=options.artifact_in_response_to or resolve_id,
    )
    outer_issuer = saml._sub(artifact_response, "saml2", "Issuer", options.issuer)
    outer_status = saml._sub(artifact_response, "saml2p", "Status")
    saml._sub(outer_status, "saml2p", "StatusCode", Value=saml.STATUS_SUCCESS)
    artifact_response.append(response)
    if options.sign_artifact_response:
        crypto.sign(artifact_response, key, after=outer_issuer)
    return saml.soap_envelope(artifact_response)
