import pytest
from django.core.exceptions import ValidationError

from portal.validators import (
    digits_only,
    nip_is_valid,
    nrb_is_valid,
    pesel_birth_date,
    pesel_is_valid,
    validate_nip,
    validate_nrb,
    validate_pesel,
)


@pytest.mark.parametrize("pesel", ["44051401458", "02070803628", "02270803624"])
def test_valid_pesels_pass(pesel):
    assert pesel_is_valid(pesel)
    validate_pesel(pesel)


def test_pesel_of_someone_born_in_2002_encodes_the_century_in_the_month():
    assert pesel_birth_date("02270803624").year == 2002
    assert pesel_birth_date("02070803628").year == 1902


@pytest.mark.parametrize(
    ("pesel", "message"),
    [
        ("44051401459", "cyfra kontrolna"),
        ("4405140145", "11 cyfr"),
        ("4405140145a", "11 cyfr"),
        ("44133101458", "data urodzenia"),  # month 13
    ],
)
def test_bad_pesel_is_refused_in_polish(pesel, message):
    assert not pesel_is_valid(pesel)
    with pytest.raises(ValidationError) as exc:
        validate_pesel(pesel)
    assert message in str(exc.value.messages[0])


def test_nip_checksum():
    assert nip_is_valid("5261040828")
    assert nip_is_valid("526-104-08-28")
    assert nip_is_valid("PL 526 104 08 28")
    assert not nip_is_valid("5261040827")
    with pytest.raises(ValidationError, match="10 cyfr"):
        validate_nip("526104082")
    with pytest.raises(ValidationError, match="cyfra kontrolna"):
        validate_nip("5261040827")


def test_nrb_checksum_accepts_spaces_and_the_iban_prefix():
    assert nrb_is_valid("61109010140000071219812874")
    assert nrb_is_valid("PL61 1090 1014 0000 0712 1981 2874")
    assert not nrb_is_valid("61109010140000071219812875")
    with pytest.raises(ValidationError, match="26 cyfr"):
        validate_nrb("6110901014")
    with pytest.raises(ValidationError, match="cyfry kontrolne"):
        validate_nrb("62109010140000071219812874")


def test_digits_only_strips_separators_and_country_code():
    assert digits_only(" PL 61 1090-1014 ") == "6110901014"
    assert digits_only(None) == ""
