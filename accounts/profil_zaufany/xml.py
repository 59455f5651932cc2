"""Safe XML for SAML: no DTD, no entities, no network, bounded size.

Every document that comes from outside (a browser, the IdP's SOAP answer, a
decrypted assertion) goes through :func:`parse`. A document with a DOCTYPE is
refused outright: SAML never needs one, and that is where entity-expansion
bombs and external entities live.
"""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 512 * 1024

NS = {
    "saml2p": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml2": "urn:oasis:names:tc:SAML:2.0:assertion",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "dsig11": "http://www.w3.org/2009/xmldsig11#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "xenc11": "http://www.w3.org/2009/xmlenc11#",
    "eidas": "http://eidas.europa.eu/saml-extensions",
    "naturalperson": "http://eidas.europa.eu/attributes/naturalperson",
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def q(prefix: str, local: str) -> str:
    """Clark notation: ``q("saml2", "Issuer")`` → ``{urn:…:assertion}Issuer``."""
    return f"{{{NS[prefix]}}}{local}"


class UnsafeXml(ValueError):
    """The input is not a well-formed, DTD-free XML document of acceptable size."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,  # exc-c14n drops comments anyway; this closes comment-splitting tricks
        remove_blank_text=False,
    )


def parse(data: bytes) -> etree._Element:
    if not isinstance(data, bytes | bytearray):
        raise UnsafeXml("not bytes")
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXml("document too large")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise UnsafeXml("DTD is not allowed")
    try:
        root = etree.fromstring(bytes(data), parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"malformed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml("DTD is not allowed")
    return root


def text_of(element: etree._Element | None) -> str:
    """The element's whole text (children included), stripped; '' for None."""
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def only_child(parent: etree._Element, tag: str) -> etree._Element:
    """The single direct child with ``tag``; a missing or repeated one is an error."""
    found = parent.findall(tag)
    if len(found) != 1:
        raise UnsafeXml(f"expected exactly one {tag}, found {len(found)}")
    return found[0]


def to_bytes(element: etree._Element) -> bytes:
    data: bytes = etree.tostring(element, xml_declaration=False, encoding="utf-8")
    return data
