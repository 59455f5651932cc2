"""The checksums the import applies (portal/validators.py): PESEL, NIP, NRB."""

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portal.validators import nip_is_valid, nrb_is_valid, pesel_is_valid, validate_nrb, validate_pesel
from sync.generator import nip, nrb, pesel


@pytest.mark.parametrize("value", ["00251838393", "89120110499", "73111449327", "44051401458"])
def test_known_good_pesels_pass(value):
    assert pesel_is_valid(value)


@pytest.mark.parametrize("value", ["00251838394", "8912011049", "891201104990", "8912O110499", "١٢٣٤٥٦٧٨٩٠١", ""])
def test_bad_pesels_fail(value):
    assert not pesel_is_valid(value)


def test_nip_checksum_uses_weights_6_5_7_2_3_4_5_6_7_mod_11():
    assert nip_is_valid("5260250274") and nip_is_valid("1234563218")
    assert not nip_is_valid("5260250275") and not nip_is_valid("526-025-02-74")


def test_nrb_is_an_iban_with_pl_and_may_have_spaces():
    assert nrb_is_valid("61109010140000071219812874")
    assert nrb_is_valid("61 1090 1014 0000 0712 1981 2874")
    assert not nrb_is_valid("61109010140000071219812875")
    assert not nrb_is_valid("61-1090-1014-0000-0712-1981-2874")
    with pytest.raises(ValidationError):
        validate_nrb("123")
    with pytest.raises(ValidationError):
        validate_pesel("44051401459")


@given(st.integers(0, 2**32), st.integers(0, 10), st.integers(1, 9))
def test_generated_numbers_are_valid_and_one_changed_digit_breaks_them(seed, position, delta):
    rng = random.Random(seed)
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 25000))
    for value, check, length in (
        (pesel(rng, born, rng.random() < 0.5), pesel_is_valid, 11),
        (nip(rng), nip_is_valid, 10),
        (nrb(rng), nrb_is_valid, 26),
    ):
        assert check(value), value
        i = position % length
        broken = value[:i] + str((int(value[i]) + delta) % 10) + value[i + 1 :]
        assert not check(broken), (value, broken)
