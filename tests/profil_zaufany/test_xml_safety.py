"""Untrusted XML never expands entities, reads files or the network, or grows unbounded."""

import pytest

from accounts.profil_zaufany.xml import MAX_XML_BYTES, UnsafeXml, parse


def test_a_billion_laughs_document_is_refused():
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{entities}]><r>&l9;</r>'.encode()
    with pytest.raises(UnsafeXml, match="DTD"):
        parse(bomb)


def test_an_external_entity_is_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(UnsafeXml):
        parse(xxe)


def test_a_dtd_hidden_in_utf16_is_refused_by_the_parser_check():
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'.encode("utf-16")
    with pytest.raises(UnsafeXml, match="DTD"):
        parse(doc)


def test_an_oversized_document_is_refused():
    with pytest.raises(UnsafeXml, match="too large"):
        parse(b"<r>" + b"a" * MAX_XML_BYTES + b"</r>")


def test_malformed_xml_is_refused():
    with pytest.raises(UnsafeXml, match="malformed"):
        parse(b"<r><unclosed></r>")


def test_comments_are_dropped_so_they_cannot_split_a_value():
    assert "".join(parse(b"<r>44051<!-- x -->401458</r>").itertext()) == "44051401458"
