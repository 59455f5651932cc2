"""SAML 2.0 messages of login.gov.pl's service-provider profile: building what the
portal sends and checking what it receives.

Everything the portal sends is signed (ECDSA P-256/SHA-256). What it receives is
parsed with :mod:`accounts.profil_zaufany.xml` (no DTD, no entities) and trusted
only after the signatures verify against the configured IdP certificate.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from lxml import etree

from accounts.profil_zaufany import crypto
from accounts.profil_zaufany.conf import LOA_LOW, LOA_ORDER, PzConfig
from accounts.profil_zaufany.xml import MAX_XML_BYTES, NS, UnsafeXml, only_child, parse, q, text_of, to_bytes

SAML_VERSION = "2.0"
BINDING_ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
ATTRNAME_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
CM_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"
STATUS_RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
STATUS_AUTHN_FAILED = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
STATUS_REQUEST_DENIED = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"

ATTR_GIVEN_NAME = "http://eidas.europa.eu/attributes/naturalperson/CurrentGivenName"
ATTR_FAMILY_NAME = "http://eidas.europa.eu/attributes/naturalperson/CurrentFamilyName"
ATTR_DATE_OF_BIRTH = "http://eidas.europa.eu/attributes/naturalperson/DateOfBirth"
ATTR_PERSON_IDENTIFIER = "http://eidas.europa.eu/attributes/naturalperson/PersonIdentifier"
REQUESTED_ATTRIBUTES = [
    ("FirstName", ATTR_GIVEN_NAME),
    ("FamilyName", ATTR_FAMILY_NAME),
    ("DateOfBirth", ATTR_DATE_OF_BIRTH),
    ("PersonIdentifier", ATTR_PERSON_IDENTIFIER),
]

ARTIFACT_TYPE_CODE = b"\x00\x04"
ARTIFACT_BYTES = 44


class PzRefused(Exception):
    """A login (or logout) message is refused. ``code`` goes to the audit trail,
    the view turns it into a Polish message."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    """What login.gov.pl vouched for."""

    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    pesel: str
    name_id: str
    session_index: str
    assertion_id: str
    assertion_not_on_or_after: dt.datetime | None
    loa: str


# --- small helpers ---------------------------------------------------------------------------


def new_id() -> str:
    """An xs:ID (must not start with a digit)."""
    return "ID-" + secrets.token_hex(16)


def instant(moment: dt.datetime | None = None) -> str:
    moment = (moment or timezone.now()).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_instant(value: str | None) -> dt.datetime:
    if not value:
        raise PzRefused("malformed", "missing time")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise PzRefused("malformed", f"bad time {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _root(prefix: str, local: str, *prefixes: str, **attrs: str) -> etree._Element:
    return etree.Element(q(prefix, local), nsmap={p: NS[p] for p in {prefix, *prefixes}}, **attrs)


def _sub(parent: etree._Element, prefix: str, local: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, q(prefix, local), **attrs)
    if text is not None:
        child.text = text
    return child


def soap_envelope(body_child: etree._Element) -> bytes:
    envelope = etree.Element(q("soap", "Envelope"), nsmap={"soap": NS["soap"]})
    etree.SubElement(envelope, q("soap", "Header"))
    etree.SubElement(envelope, q("soap", "Body")).append(body_child)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + to_bytes(envelope)


def soap_body_child(data: bytes) -> etree._Element:
    """The single element in a SOAP 1.1 Body, from untrusted bytes."""
    envelope = _parsed(data, tag=q("soap", "Envelope"), not_tag="not a SOAP envelope")
    try:
        body = only_child(envelope, q("soap", "Body"))
    except UnsafeXml as exc:
        raise PzRefused("malformed", str(exc)) from exc
    children = [c for c in body if isinstance(c.tag, str)]
    if len(children) != 1:
        raise PzRefused("malformed", "SOAP body must hold one element")
    return children[0]


def soap_post(url: str, body: bytes, *, timeout: float) -> bytes:
    """POST a SOAP message; the answer's bytes (bounded). Tests route this to the simulator in-process."""
    request = urllib.request.Request(  # noqa: S310 - the URL is the configured IdP endpoint (https in production)
        url, data=body, method="POST", headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": ""}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read(MAX_XML_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise PzRefused("unavailable", str(exc)) from exc
    if len(data) > MAX_XML_BYTES:
        raise PzRefused("malformed", "answer too large")
    return data


def post_binding_value(xml: bytes) -> str:
    return base64.b64encode(xml).decode()


def decode_post_binding(value: str) -> etree._Element:
    """A SAMLRequest/SAMLResponse of the HTTP-POST binding, from untrusted form data."""
    if not value or len(value) > MAX_XML_BYTES * 4 // 3 + 4:
        raise PzRefused("malformed", "empty or too large")
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PzRefused("malformed", "bad base64") from exc
    return _parsed(raw)


def _parsed(data: bytes, *, tag: str = "", not_tag: str = "") -> etree._Element:
    """The root of untrusted XML; unsafe or malformed XML, or a root other than ``tag`` (when
    given; ``not_tag`` says what it is not), is refused as malformed."""
    try:
        element = parse(data)
    except UnsafeXml as exc:
        raise PzRefused("malformed", str(exc)) from exc
    if tag and element.tag != tag:
        raise PzRefused("malformed", not_tag)
    return element


# --- artifacts ---------------------------------------------------------------------------------


def make_artifact(issuer_entity_id: str) -> str:
    """A SAML 2.0 type 0x0004 artifact: type, endpoint index, SHA-1 of the issuer, random handle."""
    import hashlib

    source_id = hashlib.sha1(issuer_entity_id.encode()).digest()  # noqa: S324 - SHA-1 is what the artifact format specifies
    return base64.b64encode(ARTIFACT_TYPE_CODE + b"\x00\x00" + source_id + secrets.token_bytes(20)).decode()


def check_artifact(artifact: str) -> str:
    """The artifact as received, if it has the shape of a type 0x0004 artifact."""
    artifact = (artifact or "").strip()
    try:
        raw = base64.b64decode(artifact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PzRefused("malformed", "artifact is not base64") from exc
    if len(raw) != ARTIFACT_BYTES or raw[:2] != ARTIFACT_TYPE_CODE:
        raise PzRefused("malformed", "not a SAML 2.0 artifact")
    return artifact


# --- what the portal sends -------------------------------------------------------------------


def build_authn_request(cfg: PzConfig, *, request_id: str, now: dt.datetime | None = None) -> bytes:
    """The signed AuthnRequest: artifact binding back, eIDAS attributes, minimum LoA low."""
    root = _root(
        "saml2p",
        "AuthnRequest",
        "saml2",
        "eidas",
        "ds",
        ID=request_id,
        Version=SAML_VERSION,
        IssueInstant=instant(now),
        Destination=cfg.idp_sso_url,
        AssertionConsumerServiceURL=cfg.acs_url,
        ProtocolBinding=BINDING_ARTIFACT,
        ForceAuthn="true",
        IsPassive="false",
        ProviderName=cfg.sp_name,
    )
    issuer = _sub(root, "saml2", "Issuer", cfg.sp_entity_id)
    extensions = _sub(root, "saml2p", "Extensions")
    _sub(extensions, "eidas", "SPType", cfg.sp_type)
    requested = _sub(extensions, "eidas", "RequestedAttributes")
    for friendly, name in REQUESTED_ATTRIBUTES:
        _sub(
            requested,
            "eidas",
            "RequestedAttribute",
            FriendlyName=friendly,
            Name=name,
            NameFormat=ATTRNAME_URI,
            isRequired="true",
        )
    _sub(root, "saml2p", "NameIDPolicy", AllowCreate="true", Format=NAMEID_UNSPECIFIED)
    context = _sub(root, "saml2p", "RequestedAuthnContext", Comparison="minimum")
    _sub(context, "saml2", "AuthnContextClassRef", LOA_LOW)
    crypto.sign(root, cfg.signing, after=issuer)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + to_bytes(root)


def build_artifact_resolve(cfg: PzConfig, *, artifact: str, resolve_id: str, now: dt.datetime | None = None) -> bytes:
    root = _root(
        "saml2p", "ArtifactResolve", "saml2", "ds", ID=resolve_id, Version=SAML_VERSION, IssueInstant=instant(now)
    )
    root.set("Destination", cfg.idp_artifact_url)
    issuer = _sub(root, "saml2", "Issuer", cfg.sp_entity_id)
    _sub(root, "saml2p", "Artifact", artifact)
    crypto.sign(root, cfg.signing, after=issuer)
    return soap_envelope(root)


def build_logout_request(
    *,
    issuer: str,
    destination: str,
    signing: crypto.KeyPair,
    name_id: str,
    session_index: str,
    request_id: str,
    now: dt.datetime | None = None,
) -> etree._Element:
    now = now or timezone.now()
    root = _root(
        "saml2p",
        "LogoutRequest",
        "saml2",
        "ds",
        ID=request_id,
        Version=SAML_VERSION,
        IssueInstant=instant(now),
        Destination=destination,
        NotOnOrAfter=instant(now + dt.timedelta(minutes=5)),
    )
    issuer_el = _sub(root, "saml2", "Issuer", issuer)
    _sub(root, "saml2", "NameID", name_id, Format=NAMEID_UNSPECIFIED)
    _sub(root, "saml2p", "SessionIndex", session_index)
    crypto.sign(root, signing, after=issuer_el)
    return root


def build_logout_response(
    *,
    issuer: str,
    destination: str,
    signing: crypto.KeyPair,
    in_response_to: str,
    status: str = STATUS_SUCCESS,
    now: dt.datetime | None = None,
) -> etree._Element:
    root = _root(
        "saml2p",
        "LogoutResponse",
        "saml2",
        "ds",
        ID=new_id(),
        Version=SAML_VERSION,
        IssueInstant=instant(now),
        Destination=destination,
        InResponseTo=in_response_to,
    )
    issuer_el = _sub(root, "saml2", "Issuer", issuer)
    status_el = _sub(root, "saml2p", "Status")
    _sub(status_el, "saml2p", "StatusCode", Value=status)
    crypto.sign(root, signing, after=issuer_el)
    return root


def build_metadata(cfg: PzConfig) -> bytes:
    """The SP metadata to hand to login.gov.pl's integrator."""
    root = _root("md", "EntityDescriptor", "ds", entityID=cfg.sp_entity_id)
    sp = _sub(
        root,
        "md",
        "SPSSODescriptor",
        AuthnRequestsSigned="true",
        WantAssertionsSigned="true",
        protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol",
    )
    for use, pair in (("signing", cfg.signing), ("encryption", cfg.encryption)):
        descriptor = _sub(sp, "md", "KeyDescriptor", use=use)
        key_info = _sub(descriptor, "ds", "KeyInfo")
        x509_data = _sub(key_info, "ds", "X509Data")
        _sub(x509_data, "ds", "X509Certificate", crypto.cert_base64(pair.cert_pem))
    _sub(sp, "md", "SingleLogoutService", Binding=BINDING_POST, Location=cfg.slo_url)
    _sub(sp, "md", "SingleLogoutService", Binding=BINDING_SOAP, Location=cfg.slo_url)
    _sub(sp, "md", "NameIDFormat", NAMEID_UNSPECIFIED)
    _sub(
        sp,
        "md",
        "AssertionConsumerService",
        Binding=BINDING_ARTIFACT,
        Location=cfg.acs_url,
        index="0",
        isDefault="true",
    )
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + to_bytes(root)


# --- what the portal receives ------------------------------------------------------------------


def _verify(element: etree._Element, cfg: PzConfig, *, required: bool) -> bool:
    try:
        return crypto.verify(element, cfg.idp_cert_pem, required=required)
    except crypto.SignatureError as exc:
        raise PzRefused("bad_signature", str(exc)) from exc


def _check_issuer(element: etree._Element, cfg: PzConfig, *, required: bool = False) -> None:
    issuer = element.find(q("saml2", "Issuer"))
    if issuer is None:
        if required:
            raise PzRefused("wrong_issuer", "missing Issuer")
        return
    if cfg.idp_entity_id and text_of(issuer) != cfg.idp_entity_id:
        raise PzRefused("wrong_issuer", text_of(issuer))


def _status(element: etree._Element) -> tuple[str, str, str]:
    status = element.find(q("saml2p", "Status"))
    if status is None:
        raise PzRefused("malformed", "missing Status")
    top = status.find(q("saml2p", "StatusCode"))
    if top is None:
        raise PzRefused("malformed", "missing StatusCode")
    second = top.find(q("saml2p", "StatusCode"))
    message = text_of(status.find(q("saml2p", "StatusMessage")))
    return top.get("Value") or "", (second.get("Value") if second is not None else "") or "", message


def read_artifact_response(cfg: PzConfig, data: bytes, *, resolve_id: str) -> etree._Element:
    """Check the SOAP ArtifactResponse and return the SAML Response it carries.

    Signatures: every one present must verify; the ArtifactResponse or the Response
    must be signed (the assertion is checked separately, and must be signed too).
    """
    artifact_response = soap_body_child(data)
    if artifact_response.tag != q("saml2p", "ArtifactResponse"):
        raise PzRefused("malformed", f"unexpected {artifact_response.tag}")
    outer_signed = _verify(artifact_response, cfg, required=False)
    _check_issuer(artifact_response, cfg)
    if artifact_response.get("InResponseTo") != resolve_id:
        raise PzRefused("unknown_request", "ArtifactResponse does not answer our ArtifactResolve")
    top, _second, _message = _status(artifact_response)
    if top != STATUS_SUCCESS:
        raise PzRefused("idp_failed", f"ArtifactResponse status {top}")
    responses = artifact_response.findall(q("saml2p", "Response"))
    if len(responses) != 1:
        raise PzRefused("malformed", "ArtifactResponse must carry one Response")
    response = responses[0]
    inner_signed = _verify(response, cfg, required=False)
    if not (outer_signed or inner_signed):
        raise PzRefused("bad_signature", "neither ArtifactResponse nor Response is signed")
    _check_issuer(response, cfg)
    if response.get("Destination") != cfg.acs_url:
        raise PzRefused("wrong_destination", response.get("Destination") or "(none)")
    if not response.get("InResponseTo"):
        raise PzRefused("unknown_request", "Response has no InResponseTo")
    return response


def check_response_status(response: etree._Element) -> None:
    """Turn a non-success status into a refusal: cancelled by the person, or failed."""
    top, second, message = _status(response)
    if top == STATUS_SUCCESS:
        return
    lowered = message.lower()
    if second == STATUS_REQUEST_DENIED or "cancel" in lowered or "anulow" in lowered:
        raise PzRefused("cancelled", f"{top} {second} {message}".strip())
    raise PzRefused("idp_failed", f"{top} {second} {message}".strip())


def _within(now: dt.datetime, *, not_before: str | None, not_on_or_after: str | None) -> None:
    skew = dt.timedelta(seconds=settings.PZ_CLOCK_SKEW_SECONDS)
    if not_before and now + skew < parse_instant(not_before):
        raise PzRefused("not_yet_valid", f"NotBefore {not_before}")
    if not_on_or_after and now - skew >= parse_instant(not_on_or_after):
        raise PzRefused("expired", f"NotOnOrAfter {not_on_or_after}")


def _attributes(assertion: etree._Element) -> dict[str, str]:
    values: dict[str, str] = {}
    for statement in assertion.findall(q("saml2", "AttributeStatement")):
        for attribute in statement.findall(q("saml2", "Attribute")):
            found = attribute.findall(q("saml2", "AttributeValue"))
            if found:
                values[attribute.get("Name") or ""] = text_of(found[0])
    return values


def pesel_is_valid(pesel: str) -> bool:
    if len(pesel) != 11 or not pesel.isdigit():
        return False
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    total = sum(int(d) * w for d, w in zip(pesel, weights, strict=False))
    return (10 - total % 10) % 10 == int(pesel[10])


def pesel_from_identifier(value: str) -> str:
    """PersonIdentifier is the PESEL; eIDAS-style "PL/PL/<PESEL>" is accepted too."""
    candidate = value.strip().rsplit("/", 1)[-1]
    if not pesel_is_valid(candidate):
        raise PzRefused("missing_attributes", "PersonIdentifier is not a valid PESEL")
    return candidate


def read_assertion(
    cfg: PzConfig, response: etree._Element, *, request_id: str, now: dt.datetime | None = None
) -> Identity:
    """Decrypt, verify and check the one assertion of a successful Response."""
    now = now or timezone.now()
    if response.findall(q("saml2", "Assertion")):
        raise PzRefused("malformed", "plain (unencrypted) assertions are not accepted")
    encrypted = response.findall(q("saml2", "EncryptedAssertion"))
    if len(encrypted) != 1:
        raise PzRefused("malformed", "Response must carry one EncryptedAssertion")
    data = encrypted[0].findall(q("xenc", "EncryptedData"))
    if len(data) != 1:
        raise PzRefused("malformed", "EncryptedAssertion must carry one EncryptedData")
    try:
        plaintext = crypto.decrypt(data[0], cfg.encryption.private_key)
    except crypto.DecryptionError as exc:
        raise PzRefused("decryption_failed", str(exc)) from exc
    assertion = _parsed(plaintext, tag=q("saml2", "Assertion"), not_tag="decrypted content is not an Assertion")
    _verify(assertion, cfg, required=True)
    _check_issuer(assertion, cfg, required=True)
    assertion_id = assertion.get("ID") or ""

    conditions = assertion.find(q("saml2", "Conditions"))
    if conditions is None:
        raise PzRefused("malformed", "missing Conditions")
    _within(now, not_before=conditions.get("NotBefore"), not_on_or_after=conditions.get("NotOnOrAfter"))
    audiences = [
        text_of(a)
        for restriction in conditions.findall(q("saml2", "AudienceRestriction"))
        for a in restriction.findall(q("saml2", "Audience"))
    ]
    if cfg.sp_entity_id not in audiences:
        raise PzRefused("wrong_audience", ", ".join(audiences) or "(none)")

    subject = assertion.find(q("saml2", "Subject"))
    if subject is None:
        raise PzRefused("malformed", "missing Subject")
    name_id = text_of(subject.find(q("saml2", "NameID")))
    confirmations = [
        c.find(q("saml2", "SubjectConfirmationData"))
        for c in subject.findall(q("saml2", "SubjectConfirmation"))
        if c.get("Method") == CM_BEARER
    ]
    confirmations = [c for c in confirmations if c is not None]
    if not confirmations:
        raise PzRefused("malformed", "no bearer SubjectConfirmation")
    confirmation = confirmations[0]
    if confirmation.get("Recipient") != cfg.acs_url:
        raise PzRefused("wrong_destination", f"Recipient {confirmation.get('Recipient')}")
    if confirmation.get("InResponseTo") not in (None, request_id):
        raise PzRefused("unknown_request", "SubjectConfirmation answers another request")
    if not confirmation.get("NotOnOrAfter"):
        raise PzRefused("malformed", "SubjectConfirmationData without NotOnOrAfter")
    _within(now, not_before=confirmation.get("NotBefore"), not_on_or_after=confirmation.get("NotOnOrAfter"))

    statement = assertion.find(q("saml2", "AuthnStatement"))
    if statement is None:
        raise PzRefused("malformed", "missing AuthnStatement")
    loa = text_of(statement.find(f"{q('saml2', 'AuthnContext')}/{q('saml2', 'AuthnContextClassRef')}"))
    if loa not in LOA_ORDER:
        raise PzRefused("loa_too_low", loa or "(none)")

    attributes = _attributes(assertion)
    first_name = attributes.get(ATTR_GIVEN_NAME, "")
    last_name = attributes.get(ATTR_FAMILY_NAME, "")
    if not (first_name and last_name and attributes.get(ATTR_PERSON_IDENTIFIER)):
        raise PzRefused("missing_attributes", "name or PersonIdentifier missing")
    pesel = pesel_from_identifier(attributes[ATTR_PERSON_IDENTIFIER])
    try:
        birth = dt.date.fromisoformat(attributes[ATTR_DATE_OF_BIRTH]) if attributes.get(ATTR_DATE_OF_BIRTH) else None
    except ValueError:
        birth = None
    not_on_or_after = conditions.get("NotOnOrAfter")
    return Identity(
        first_name=first_name[:150],
        last_name=last_name[:150],
        date_of_birth=birth,
        pesel=pesel,
        name_id=name_id[:200] or pesel,
        session_index=(statement.get("SessionIndex") or "")[:200],
        assertion_id=assertion_id[:200],
        assertion_not_on_or_after=parse_instant(not_on_or_after) if not_on_or_after else None,
        loa=loa,
    )


def read_logout_message(cfg: PzConfig, element: etree._Element, *, now: dt.datetime | None = None) -> etree._Element:
    """Check a LogoutRequest or LogoutResponse from the IdP: signed, addressed to us, fresh."""
    if element.tag not in (q("saml2p", "LogoutRequest"), q("saml2p", "LogoutResponse")):
        raise PzRefused("malformed", f"unexpected {element.tag}")
    _verify(element, cfg, required=True)
    _check_issuer(element, cfg)
    if element.get("Destination") not in (None, cfg.slo_url):
        raise PzRefused("wrong_destination", element.get("Destination") or "")
    if element.tag == q("saml2p", "LogoutRequest"):
        _within(now or timezone.now(), not_before=None, not_on_or_after=element.get("NotOnOrAfter"))
    return element
