"""Cryptography of login.gov.pl (Węzeł Krajowy).

* XML signatures (enveloped, exclusive c14n, ECDSA P-256 with SHA-256) through
  libxmlsec1 (the ``xmlsec`` package), with the structure of every signature
  checked here first, so that a verified signature always covers the element
  the caller goes on to read (no signature wrapping).
* Encrypted assertions as the node sends them and ``xmlsec`` cannot open:
  XML Encryption 1.1 with ECDH-ES key agreement, ConcatKDF, AES key wrap
  (RFC 3394) and AES-GCM. Written here on top of ``cryptography``.
  Production has been seen to send a 128-bit content key while declaring
  AES-256-GCM, so both sizes are accepted whatever the declaration says.
* Key pairs (EC P-256 with a self-signed certificate) for a new installation.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import xmlsec
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from cryptography.x509.oid import NameOID
from lxml import etree

from accounts.profil_zaufany.xml import NS, q, text_of

# --- algorithm identifiers ----------------------------------------------------------------

DS_ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
DS_SIGNATURE_METHODS = {
    DS_ECDSA_SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
}
DS_DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
}
DS_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
DS_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
DS_TRANSFORMS = {DS_ENVELOPED, DS_EXC_C14N}

ENC_AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
ENC_AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
ENC_DATA_ALGORITHMS = {ENC_AES128_GCM: 16, "http://www.w3.org/2009/xmlenc11#aes192-gcm": 24, ENC_AES256_GCM: 32}
KW_AES256 = "http://www.w3.org/2001/04/xmlenc#kw-aes256"
KW_ALGORITHMS = {
    "http://www.w3.org/2001/04/xmlenc#kw-aes128": 16,
    "http://www.w3.org/2001/04/xmlenc#kw-aes192": 24,
    KW_AES256: 32,
}
ECDH_ES = "http://www.w3.org/2009/xmlenc11#ECDH-ES"
CONCAT_KDF = "http://www.w3.org/2009/xmlenc11#ConcatKDF"
# A constructor rather than type[HashAlgorithm]: the base class is abstract and mypy would not let it be called.
KDF_DIGESTS: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}
P256_URI = "urn:oid:1.2.840.10045.3.1.7"
ENC_TYPE_ELEMENT = "http://www.w3.org/2001/04/xmlenc#Element"
GCM_IV_BYTES = 12
GCM_TAG_BYTES = 16


class SignatureError(ValueError):
    """No signature, a signature of the wrong shape, or one that does not verify."""


class DecryptionError(ValueError):
    """The encrypted assertion cannot be opened: wrong shape, wrong key, or tampered."""


# --- keys --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    key_pem: bytes
    cert_pem: bytes

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(self.key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("login.gov.pl wymaga kluczy EC (P-256)")
        return key

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)


def _pem_blocks(data: bytes, label: str) -> list[bytes]:
    pattern = rb"-----BEGIN " + label.encode() + rb"-----.+?-----END " + label.encode() + rb"-----"
    return [m.group(0) + b"\n" for m in re.finditer(pattern, data, re.DOTALL)]


def cert_pem_only(data: bytes) -> bytes:
    """The first certificate block of a PEM file (a file may hold a chain or a key too)."""
    blocks = _pem_blocks(data, "CERTIFICATE")
    if not blocks:
        raise ValueError("brak certyfikatu w pliku PEM")
    return blocks[0]


def cert_base64(cert_pem: bytes) -> str:
    """The certificate's DER in base64, as ds:X509Certificate and metadata carry it."""
    cert = x509.load_pem_x509_certificate(cert_pem_only(cert_pem))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def generate_key_pair(common_name: str, *, days: int = 3 * 365) -> KeyPair:
    """A new EC P-256 key and a self-signed certificate for it (login.gov.pl accepts these)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "e-BOK")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeyPair(key_pem=key_pem, cert_pem=cert.public_bytes(serialization.Encoding.PEM))


def write_key_pair(
    pair: KeyPair, key_path: os.PathLike[str], cert_path: os.PathLike[str], *, overwrite: bool = False
) -> None:
    """Write the key (mode 0600) and the certificate; refuse to replace existing files unless asked."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    for path, data, mode in ((key_path, pair.key_pem, 0o600), (cert_path, pair.cert_pem, 0o644)):
        fd = os.open(path, flags, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(path, mode)


# --- XML signatures ----------------------------------------------------------------------


def sign(element: etree._Element, pair: KeyPair, *, after: etree._Element | None = None) -> None:
    """Sign ``element`` in place with an enveloped signature referring to its ID.

    The signature goes right after ``after`` (SAML wants it after the Issuer) or first.
    """
    element_id = element.get("ID")
    if not element_id:
        raise ValueError("element to sign has no ID")
    signature = xmlsec.template.create(
        element, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformEcdsaSha256, ns="ds"
    )
    if after is not None:
        after.addnext(signature)
    else:
        element.insert(0, signature)
    ref = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256, uri=f"#{element_id}")
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    xmlsec.template.add_x509_data(key_info)
    key = xmlsec.Key.from_memory(pair.key_pem, xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_memory(cert_pem_only(pair.cert_pem), xmlsec.constants.KeyDataFormatPem)
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    ctx.register_id(element, "ID")
    ctx.sign(signature)


def signature_of(element: etree._Element) -> etree._Element | None:
    """The element's own enveloped signature (a direct child), if any; two are an error."""
    found = element.findall(q("ds", "Signature"))
    if len(found) > 1:
        raise SignatureError("more than one signature")
    return found[0] if found else None


def _check_signature_shape(element: etree._Element, signature: etree._Element) -> None:
    element_id = element.get("ID")
    if not element_id:
        raise SignatureError("signed element has no ID")
    root = element.getroottree().getroot()
    ids = [e.get("ID") for e in root.iter() if isinstance(e.tag, str) and e.get("ID") is not None]
    if len(ids) != len(set(ids)):
        raise SignatureError("duplicate IDs in the document")
    signed_info = signature.find(q("ds", "SignedInfo"))
    if signed_info is None:
        raise SignatureError("no SignedInfo")
    c14n = signed_info.find(q("ds", "CanonicalizationMethod"))
    if c14n is None or c14n.get("Algorithm") != DS_EXC_C14N:
        raise SignatureError("unexpected canonicalization")
    method = signed_info.find(q("ds", "SignatureMethod"))
    if method is None or method.get("Algorithm") not in DS_SIGNATURE_METHODS:
        raise SignatureError("unexpected signature method")
    refs = signed_info.findall(q("ds", "Reference"))
    if len(refs) != 1 or refs[0].get("URI") != f"#{element_id}":
        raise SignatureError("the signature does not cover this element")
    transforms = refs[0].findall(f"{q('ds', 'Transforms')}/{q('ds', 'Transform')}")
    if any(t.get("Algorithm") not in DS_TRANSFORMS for t in transforms):
        raise SignatureError("unexpected transform")
    digest = refs[0].find(q("ds", "DigestMethod"))
    if digest is None or digest.get("Algorithm") not in DS_DIGESTS:
        raise SignatureError("unexpected digest")


def verify(element: etree._Element, cert_pem: bytes, *, required: bool = True) -> bool:
    """Verify the element's enveloped signature with the given certificate (never the one
    the message carries). Returns whether a signature was there; raises when it is bad,
    or missing while ``required``."""
    signature = signature_of(element)
    if signature is None:
        if required:
            raise SignatureError("missing signature")
        return False
    _check_signature_shape(element, signature)
    ctx = xmlsec.SignatureContext()
    try:
        ctx.key = xmlsec.Key.from_memory(cert_pem_only(cert_pem), xmlsec.constants.KeyDataFormatCertPem)
        ctx.register_id(element, "ID")
        ctx.verify(signature)
    except xmlsec.Error as exc:
        raise SignatureError(f"signature does not verify: {exc}") from exc
    return True


# --- ECDH-ES + ConcatKDF + AES-KW + AES-GCM (XML Encryption 1.1) -------------------------


def _length_prefixed(text: str) -> bytes:
    """ConcatKDF OtherInfo fields as login.gov.pl sends them: 4-byte big-endian length, then the bytes."""
    raw = text.encode()
    return len(raw).to_bytes(4, "big") + raw


def _kdf(shared: bytes, *, length: int, digest: Callable[[], hashes.HashAlgorithm], otherinfo: bytes) -> bytes:
    return ConcatKDFHash(algorithm=digest(), length=length, otherinfo=otherinfo).derive(shared)


def _hex_param(params: etree._Element, name: str) -> bytes:
    value = (params.get(name) or "").strip()
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise DecryptionError(f"ConcatKDF {name} is not hex") from exc


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.findall(path, NS)
    if len(found) != 1:
        raise DecryptionError(f"expected one {path}, found {len(found)}")
    return found[0]


def _b64(element: etree._Element) -> bytes:
    try:
        return base64.b64decode("".join(text_of(element).split()), validate=True)
    except ValueError as exc:
        raise DecryptionError("bad base64") from exc


def decrypt(encrypted_data: etree._Element, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """Open an ``xenc:EncryptedData`` as login.gov.pl builds it; returns the plaintext bytes."""
    if encrypted_data.tag != q("xenc", "EncryptedData"):
        raise DecryptionError("not EncryptedData")
    data_alg = _one(encrypted_data, "xenc:EncryptionMethod").get("Algorithm")
    if data_alg not in ENC_DATA_ALGORITHMS:
        raise DecryptionError(f"unsupported data encryption {data_alg}")
    encrypted_key = _one(encrypted_data, "ds:KeyInfo/xenc:EncryptedKey")
    kw_alg = _one(encrypted_key, "xenc:EncryptionMethod").get("Algorithm")
    if kw_alg not in KW_ALGORITHMS:
        raise DecryptionError(f"unsupported key wrap {kw_alg}")
    agreement = _one(encrypted_key, "ds:KeyInfo/xenc:AgreementMethod")
    if agreement.get("Algorithm") != ECDH_ES:
        raise DecryptionError("unsupported key agreement")
    derivation = _one(agreement, "xenc11:KeyDerivationMethod")
    if derivation.get("Algorithm") != CONCAT_KDF:
        raise DecryptionError("unsupported key derivation")
    params = _one(derivation, "xenc11:ConcatKDFParams")
    digest = KDF_DIGESTS.get(_one(params, "ds:DigestMethod").get("Algorithm") or "")
    if digest is None:
        raise DecryptionError("unsupported KDF digest")
    ec_value = _one(agreement, "xenc:OriginatorKeyInfo/ds:KeyValue/dsig11:ECKeyValue")
    curve_uri = _one(ec_value, "dsig11:NamedCurve").get("URI")
    if curve_uri != P256_URI or not isinstance(private_key.curve, ec.SECP256R1):
        raise DecryptionError("unsupported curve")
    try:
        originator = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), _b64(_one(ec_value, "dsig11:PublicKey"))
        )
        shared = private_key.exchange(ec.ECDH(), originator)
    except ValueError as exc:
        raise DecryptionError("bad originator key") from exc
    otherinfo = _hex_param(params, "AlgorithmID") + _hex_param(params, "PartyUInfo") + _hex_param(params, "PartyVInfo")
    kek = _kdf(shared, length=KW_ALGORITHMS[kw_alg], digest=digest, otherinfo=otherinfo)
    try:
        content_key = aes_key_unwrap(kek, _b64(_one(encrypted_key, "xenc:CipherData/xenc:CipherValue")))
    except (InvalidUnwrap, ValueError) as exc:
        raise DecryptionError("key unwrap failed (wrong key or tampered)") from exc
    # The known quirk: a 128-bit key under a declared aes256-gcm. AES-GCM takes the size from the key.
    if len(content_key) not in (16, 32):
        raise DecryptionError("unexpected content key size")
    payload = _b64(_one(encrypted_data, "xenc:CipherData/xenc:CipherValue"))
    if len(payload) < GCM_IV_BYTES + GCM_TAG_BYTES:
        raise DecryptionError("ciphertext too short")
    try:
        return AESGCM(content_key).decrypt(payload[:GCM_IV_BYTES], payload[GCM_IV_BYTES:], None)
    except InvalidTag as exc:
        raise DecryptionError("authentication tag does not match (tampered)") from exc


def encrypt(
    plaintext: bytes,
    recipient_cert_pem: bytes,
    *,
    party_u: str,
    party_v: str,
    content_key_bytes: int = 32,
) -> etree._Element:
    """Build ``xenc:EncryptedData`` the way login.gov.pl does (used by the local simulator).

    ``content_key_bytes=16`` reproduces production's quirk (128-bit key, aes256-gcm declared).
    """
    recipient = x509.load_pem_x509_certificate(cert_pem_only(recipient_cert_pem)).public_key()
    if not isinstance(recipient, ec.EllipticCurvePublicKey):
        raise ValueError("recipient certificate is not EC")
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    shared = ephemeral.exchange(ec.ECDH(), recipient)
    algorithm_id, u_info, v_info = _length_prefixed(KW_AES256), _length_prefixed(party_u), _length_prefixed(party_v)
    kek = _kdf(shared, length=32, digest=hashes.SHA256, otherinfo=algorithm_id + u_info + v_info)
    content_key = secrets.token_bytes(content_key_bytes)
    wrapped = aes_key_wrap(kek, content_key)
    iv = secrets.token_bytes(GCM_IV_BYTES)
    payload = iv + AESGCM(content_key).encrypt(iv, plaintext, None)

    def E(prefix: str, local: str, **attrs: str) -> etree._Element:
        return etree.Element(q(prefix, local), nsmap=NS, **attrs)

    data = E("xenc", "EncryptedData", Id="_" + secrets.token_hex(16), Type=ENC_TYPE_ELEMENT)
    method = etree.SubElement(data, q("xenc", "EncryptionMethod"), Algorithm=ENC_AES256_GCM)
    etree.SubElement(method, q("ds", "DigestMethod"), Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    key_info = etree.SubElement(data, q("ds", "KeyInfo"))
    enc_key = etree.SubElement(key_info, q("xenc", "EncryptedKey"), Id="_" + secrets.token_hex(16))
    etree.SubElement(enc_key, q("xenc", "EncryptionMethod"), Algorithm=KW_AES256)
    agreement_info = etree.SubElement(enc_key, q("ds", "KeyInfo"))
    agreement = etree.SubElement(agreement_info, q("xenc", "AgreementMethod"), Algorithm=ECDH_ES)
    derivation = etree.SubElement(agreement, q("xenc11", "KeyDerivationMethod"), Algorithm=CONCAT_KDF)
    params = etree.SubElement(
        derivation,
        q("xenc11", "ConcatKDFParams"),
        AlgorithmID=algorithm_id.hex().upper(),
        PartyUInfo=u_info.hex().upper(),
        PartyVInfo=v_info.hex().upper(),
    )
    etree.SubElement(params, q("ds", "DigestMethod"), Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    originator = etree.SubElement(agreement, q("xenc", "OriginatorKeyInfo"))
    key_value = etree.SubElement(originator, q("ds", "KeyValue"))
    ec_value = etree.SubElement(key_value, q("dsig11", "ECKeyValue"))
    etree.SubElement(ec_value, q("dsig11", "NamedCurve"), URI=P256_URI)
    public = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    etree.SubElement(ec_value, q("dsig11", "PublicKey")).text = base64.b64encode(public).decode()
    recipient_info = etree.SubElement(agreement, q("xenc", "RecipientKeyInfo"))
    x509_data = etree.SubElement(recipient_info, q("ds", "X509Data"))
    etree.SubElement(x509_data, q("ds", "X509Certificate")).text = cert_base64(recipient_cert_pem)
    cipher = etree.SubElement(enc_key, q("xenc", "CipherData"))
    etree.SubElement(cipher, q("xenc", "CipherValue")).text = base64.b64encode(wrapped).decode()
    data_cipher = etree.SubElement(data, q("xenc", "CipherData"))
    etree.SubElement(data_cipher, q("xenc", "CipherValue")).text = base64.b64encode(payload).decode()
    return data


def digest_hex(value: str) -> str:
    """SHA-256 of a value kept only to recognise it again (artifacts, assertion ids, bindings)."""
    return hashlib.sha256(value.encode()).hexdigest()
