"""ECDH-ES + ConcatKDF + AES-KW + AES-GCM (written here; xmlsec cannot open it) and the
signature checks that guard against signature wrapping."""

import base64

import pytest
from lxml import etree

from accounts.profil_zaufany import crypto
from accounts.profil_zaufany.xml import parse, q


@pytest.fixture(scope="module")
def portal_keys():
    return crypto.generate_key_pair("e-BOK")


@pytest.fixture(scope="module")
def idp_keys():
    return crypto.generate_key_pair("login.gov.pl")


def roundtrip(plaintext: bytes, keys, **kwargs) -> etree._Element:
    encrypted = crypto.encrypt(plaintext, keys.cert_pem, party_u="idp", party_v="sp", **kwargs)
    return parse(etree.tostring(encrypted))


@pytest.mark.parametrize("key_bytes", [32, 16])
def test_an_encrypted_assertion_opens_with_the_portals_key_for_both_content_key_sizes(portal_keys, key_bytes):
    encrypted = roundtrip(
        "<saml2:Assertion>Zażółć</saml2:Assertion>".encode(), portal_keys, content_key_bytes=key_bytes
    )
    assert encrypted.find(q("xenc", "EncryptionMethod")).get("Algorithm") == crypto.ENC_AES256_GCM
    assert crypto.decrypt(encrypted, portal_keys.private_key) == "<saml2:Assertion>Zażółć</saml2:Assertion>".encode()


def test_kdf_other_info_is_length_prefixed_as_login_gov_pl_sends_it(portal_keys):
    params = roundtrip(b"x", portal_keys).find(f".//{q('xenc11', 'ConcatKDFParams')}")
    algorithm_id = bytes.fromhex(params.get("AlgorithmID"))
    assert algorithm_id[:4] == (42).to_bytes(4, "big")
    assert algorithm_id[4:] == crypto.KW_AES256.encode()
    assert bytes.fromhex(params.get("PartyVInfo")) == b"\x00\x00\x00\x02sp"


def test_another_private_key_cannot_open_it(portal_keys, idp_keys):
    with pytest.raises(crypto.DecryptionError, match="unwrap"):
        crypto.decrypt(roundtrip(b"x", portal_keys), idp_keys.private_key)


def _flip(encrypted, path, index):
    value = encrypted.find(path)
    raw = bytearray(base64.b64decode(value.text))
    raw[index] ^= 0x80
    value.text = base64.b64encode(bytes(raw)).decode()


def test_a_changed_ciphertext_byte_is_detected(portal_keys):
    encrypted = roundtrip(b"<a>1234567890</a>", portal_keys)
    _flip(encrypted, f"{q('xenc', 'CipherData')}/{q('xenc', 'CipherValue')}", 14)
    with pytest.raises(crypto.DecryptionError, match="tampered"):
        crypto.decrypt(encrypted, portal_keys.private_key)


def test_a_changed_tag_byte_is_detected(portal_keys):
    encrypted = roundtrip(b"<a>1234567890</a>", portal_keys)
    _flip(encrypted, f"{q('xenc', 'CipherData')}/{q('xenc', 'CipherValue')}", -1)
    with pytest.raises(crypto.DecryptionError, match="tampered"):
        crypto.decrypt(encrypted, portal_keys.private_key)


def test_a_changed_wrapped_key_is_detected(portal_keys):
    encrypted = roundtrip(b"<a/>", portal_keys)
    _flip(encrypted, f".//{q('xenc', 'EncryptedKey')}/{q('xenc', 'CipherData')}/{q('xenc', 'CipherValue')}", 3)
    with pytest.raises(crypto.DecryptionError, match="unwrap"):
        crypto.decrypt(encrypted, portal_keys.private_key)


def test_an_unsupported_algorithm_is_refused(portal_keys):
    encrypted = roundtrip(b"<a/>", portal_keys)
    encrypted.find(q("xenc", "EncryptionMethod")).set("Algorithm", "http://www.w3.org/2001/04/xmlenc#aes256-cbc")
    with pytest.raises(crypto.DecryptionError, match="unsupported"):
        crypto.decrypt(encrypted, portal_keys.private_key)


SIGNED = b'<r xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="ID-1"><saml2:Issuer>x</saml2:Issuer><v>1</v></r>'


def signed(keys) -> etree._Element:
    element = parse(SIGNED)
    crypto.sign(element, keys, after=element[0])
    return parse(etree.tostring(element))


def test_a_signature_verifies_only_with_the_signers_certificate(idp_keys, portal_keys):
    element = signed(idp_keys)
    assert crypto.verify(element, idp_keys.cert_pem)
    with pytest.raises(crypto.SignatureError):
        crypto.verify(element, portal_keys.cert_pem)


def test_a_signature_covering_another_element_is_refused(idp_keys):
    """Signature wrapping: a valid signature of an inner element does not vouch for its parent."""
    inner = signed(idp_keys)
    outer = parse(b'<o ID="ID-2"><payload>evil</payload></o>')
    outer.append(inner)
    outer.insert(0, inner.find(q("ds", "Signature")))
    with pytest.raises(crypto.SignatureError, match="does not cover"):
        crypto.verify(parse(etree.tostring(outer)), idp_keys.cert_pem)


def test_duplicate_ids_are_refused(idp_keys):
    element = signed(idp_keys)
    etree.SubElement(element, "copy", ID="ID-1")
    with pytest.raises(crypto.SignatureError, match="duplicate"):
        crypto.verify(parse(etree.tostring(element)), idp_keys.cert_pem)


def test_a_missing_signature_is_refused_when_required(idp_keys):
    with pytest.raises(crypto.SignatureError, match="missing"):
        crypto.verify(parse(SIGNED), idp_keys.cert_pem)
    assert crypto.verify(parse(SIGNED), idp_keys.cert_pem, required=False) is False


def test_the_signature_uses_ecdsa_p256_with_sha256_and_exclusive_c14n(idp_keys):
    signature = crypto.signature_of(signed(idp_keys))
    assert signature.find(f".//{q('ds', 'SignatureMethod')}").get("Algorithm") == crypto.DS_ECDSA_SHA256
    assert signature.find(f".//{q('ds', 'CanonicalizationMethod')}").get("Algorithm") == crypto.DS_EXC_C14N
    assert signature.find(f".//{q('ds', 'DigestMethod')}").get("Algorithm") == "http://www.w3.org/2001/04/xmlenc#sha256"
