"""The reading window setting and its "opens on …" message (time passed explicitly)."""

import datetime as dt

import pytest

from meters.window import ReadingWindow, window_state


@pytest.fixture
def window_20_31(settings):
    settings.READING_WINDOW_DAYS = "20-31"


def test_without_a_window_readings_are_taken_every_day(settings):
    settings.READING_WINDOW_DAYS = ""
    state = window_state(dt.date(2026, 11, 3))
    assert state.open and state.message == ""


def test_before_the_window_the_form_says_when_it_opens(window_20_31):
    state = window_state(dt.date(2026, 11, 19))
    assert not state.open and state.opens_on == dt.date(2026, 11, 20)
    assert state.message == (
        "Odczyty liczników przyjmujemy od 20. do 31. dnia miesiąca. Formularz będzie dostępny od 20.11.2026. "
        "Wtedy wróć tutaj i podaj stan licznika."
    )


def test_the_window_is_open_from_its_first_day_to_the_last_day_of_a_short_month(window_20_31):
    assert window_state(dt.date(2026, 11, 20)).period == (dt.date(2026, 11, 20), dt.date(2026, 11, 30))
    assert window_state(dt.date(2026, 11, 30)).open
    assert window_state(dt.date(2027, 2, 28)).period == (dt.date(2027, 2, 20), dt.date(2027, 2, 28))


def test_after_the_window_it_opens_again_next_month(window_20_31):
    state = window_state(dt.date(2026, 12, 1))
    assert not state.open and state.opens_on == dt.date(2026, 12, 20)
    assert window_state(dt.date(2026, 12, 31)).opens_on is None


def test_a_window_over_the_turn_of_the_month(settings):
    settings.READING_WINDOW_DAYS = "25-5"
    assert window_state(dt.date(2026, 12, 3)).period == (dt.date(2026, 11, 25), dt.date(2026, 12, 5))
    assert window_state(dt.date(2026, 12, 28)).period == (dt.date(2026, 12, 25), dt.date(2027, 1, 5))
    closed = window_state(dt.date(2026, 12, 6))
    assert not closed.open and closed.opens_on == dt.date(2026, 12, 25)
    assert "od 25. dnia miesiąca do 5. dnia następnego miesiąca" in closed.message


@pytest.mark.parametrize("value", ["abc", "0-10", "5-32", "20", "20-31-2"])
def test_a_malformed_window_setting_is_refused(value):
    with pytest.raises(ValueError):
        ReadingWindow.parse(value)
