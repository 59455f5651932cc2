"""Formats of the money pages: IBAN display, amounts in Polish words, the ZBP transfer QR."""

import subprocess
from decimal import Decimal

import pytest

from billing.qr import Transfer, qr_png, zbp_payload
from billing.words import amount_in_words, number_in_words, plural_form
from portal.formats import format_iban


def decode_qr(png: bytes, tmp_path) -> str:
    """Decode a QR image with a real decoder (Debian's zbar-tools)."""
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, check=True)
    return out.stdout.decode("utf-8").rstrip("\n")


def test_account_number_shows_as_iban_in_groups_of_four():
    assert format_iban("61109010140000071219812874") == "PL61 1090 1014 0000 0712 1981 2874"
    assert format_iban("61 1090 1014 0000 0712 1981 2874") == "PL61 1090 1014 0000 0712 1981 2874"
    assert format_iban("123") == "123"
    assert format_iban("") == ""


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("312.40", "trzysta dwanaście złotych 40/100"),
        ("1.01", "jeden złoty 01/100"),
        ("2", "dwa złote 00/100"),
        ("5", "pięć złotych 00/100"),
        ("0", "zero złotych 00/100"),
        ("11", "jedenaście złotych 00/100"),
        ("12", "dwanaście złotych 00/100"),
        ("22", "dwadzieścia dwa złote 00/100"),
        ("112", "sto dwanaście złotych 00/100"),
        ("274.57", "dwieście siedemdziesiąt cztery złote 57/100"),
        ("1000", "tysiąc złotych 00/100"),
        ("1234.56", "tysiąc dwieście trzydzieści cztery złote 56/100"),
        ("2000", "dwa tysiące złotych 00/100"),
        ("5000", "pięć tysięcy złotych 00/100"),
        ("12000", "dwanaście tysięcy złotych 00/100"),
        ("22000", "dwadzieścia dwa tysiące złotych 00/100"),
        ("1000000", "milion złotych 00/100"),
        ("2000001.99", "dwa miliony jeden złotych 99/100"),
        ("-15.5", "minus piętnaście złotych 50/100"),
        ("0.005", "zero złotych 01/100"),
    ],
)
def test_gross_amount_reads_in_polish_words_with_grosze_as_fraction(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_polish_plural_forms_follow_the_last_digits():
    forms = ("złoty", "złote", "złotych")
    assert [plural_form(n, forms) for n in (1, 2, 4, 5, 12, 14, 21, 22, 104, 112, 1000)] == [
        "złoty",
        "złote",
        "złote",
        "złotych",
        "złotych",
        "złotych",
        "złotych",
        "złote",
        "złote",
        "złotych",
        "złotych",
    ]
    assert (
        number_in_words(999_999)
        == "dziewięćset dziewięćdziesiąt dziewięć tysięcy dziewięćset dziewięćdziesiąt dziewięć"
    )


def _transfer(**kwargs) -> Transfer:
    values = {
        "account": "PL61 1090 1014 0000 0712 1981 2874",
        "recipient": "SM Źródło",
        "title": "Faktura FV/12/11/2026",
        "amount": Decimal("312.40"),
        "nip": "634-019-74-97",
    }
    return Transfer(**{**values, **kwargs})


def test_payload_has_the_nine_zbp_fields_separated_by_bars():
    payload = zbp_payload(_transfer())
    assert payload == "6340197497|PL|61109010140000071219812874|031240|SM Źródło|Faktura FV/12/11/2026|||"
    fields = payload.split("|")
    assert len(fields) == 9 and len(fields[2]) == 26 and len(fields[3]) == 6


def test_payload_cuts_long_names_between_words_and_drops_characters_the_format_forbids():
    payload = zbp_payload(
        _transfer(
            recipient="Spółdzielnia Mieszkaniowa „Piast” | Zawiercie",
            title="Opłaty za lokal ul. Źródlana 7/12; listopad 2026 r.",
            nip="",
        )
    )
    fields = payload.split("|")
    assert len(fields) == 9
    assert fields[0] == ""  # no NIP: the field stays, empty
    assert fields[4] == "Spółdzielnia"  # ≤ 20 characters, not cut inside a word
    assert fields[5] == "Opłaty za lokal ul. Źródlana"  # ≤ 32, no ";"
    assert len(fields[5]) <= 32


def test_an_amount_beyond_six_digits_of_grosze_leaves_the_amount_to_the_payer():
    transfer = _transfer(amount=Decimal("12000.00"))
    assert not transfer.amount_fits
    assert zbp_payload(transfer).split("|")[3] == "000000"
    assert zbp_payload(_transfer(amount=None)).split("|")[3] == "000000"


def test_a_payload_needs_a_full_account_number():
    with pytest.raises(ValueError):
        zbp_payload(_transfer(account="1090 1014"))


def test_qr_png_decodes_back_to_the_payload_with_zbar(tmp_path):
    payload = zbp_payload(_transfer(title="Opłata za lokal Źródlana 7/12"))
    assert decode_qr(qr_png(payload), tmp_path) == payload
