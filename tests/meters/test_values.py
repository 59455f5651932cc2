"""The value of a reading as typed: decimal comma, 3 places, Polish messages for everything else."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from meters.formats import format_quantity, format_reading_value
from meters.forms import parse_reading_value


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1234,567", "1234.567"),
        ("0,5", "0.500"),
        ("12", "12.000"),
        (" 1 234,5 ", "1234.500"),
        ("000123,4", "123.400"),
        ("999999999,999", "999999999.999"),
    ],
)
def test_values_with_a_decimal_comma_are_read(typed, value):
    assert parse_reading_value(typed) == Decimal(value)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "Stan licznika nie może być ujemny."),
        ("12.5.3", "Stan licznika może mieć tylko jeden przecinek oddzielający część dziesiętną, np. 1234,567."),
        ("12,5,3", "Stan licznika może mieć tylko jeden przecinek oddzielający część dziesiętną, np. 1234,567."),
        ("12.5", "Część dziesiętną oddziel przecinkiem, nie kropką, np. 1234,567."),
        ("1e9", "Podaj stan licznika samymi cyframi, z przecinkiem przed częścią dziesiętną, np. 1234,567."),
        ("abc", "Podaj stan licznika samymi cyframi, z przecinkiem przed częścią dziesiętną, np. 1234,567."),
        ("١٢٣", "Podaj stan licznika samymi cyframi, z przecinkiem przed częścią dziesiętną, np. 1234,567."),
        (",", "Podaj stan licznika samymi cyframi, z przecinkiem przed częścią dziesiętną, np. 1234,567."),
        (
            "1234567890",
            "Stan licznika może mieć najwyżej 9 cyfr przed przecinkiem. Sprawdź, czy nie ma dodatkowej cyfry.",
        ),
        (
            "1234567890,5",
            "Stan licznika może mieć najwyżej 9 cyfr przed przecinkiem. Sprawdź, czy nie ma dodatkowej cyfry.",
        ),
        ("1,2345", "Podaj stan z dokładnością do 3 miejsc po przecinku (np. 1234,567)."),
        ("", "Podaj stan licznika."),
    ],
)
def test_bad_values_get_a_polish_message(typed, message):
    with pytest.raises(ValidationError) as caught:
        parse_reading_value(typed)
    assert caught.value.messages == [message]


def test_values_are_shown_the_polish_way():
    assert format_quantity(Decimal("1234.5")) == "1\u00a0234,500"
    assert format_reading_value(Decimal("1234.5")) == "1234,500"
