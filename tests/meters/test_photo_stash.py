"""The photo kept for the second step of the form is removed when nobody confirms within a day."""

import datetime as dt
import os

import pytest
import time_machine

from meters.photos import STASH_DIR
from meters.tasks import photo_stash_purge
from tests.meters.conftest import NOW
from tests.meters.helpers import post_reading
from tests.tickets.helpers import jpeg, stored_files

pytestmark = pytest.mark.django_db


def test_a_photo_waiting_for_confirmation_is_removed_after_a_day(client, owner, meter, history, frozen):
    client.force_login(owner)
    post_reading(client, meter, "150,000", photo=jpeg("licznik.jpg"))  # implausible: waits for the second step
    (waiting,) = stored_files()
    assert waiting.parent.name == STASH_DIR.rsplit("/", 1)[-1]
    os.utime(waiting, (NOW.timestamp(), NOW.timestamp()))  # the file system's clock is not the frozen one
    with time_machine.travel(NOW + dt.timedelta(hours=23), tick=False):
        assert photo_stash_purge() == 0
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        assert photo_stash_purge() == 1
    assert stored_files() == []


def test_purging_an_empty_waiting_room_does_nothing(frozen):
    assert photo_stash_purge() == 0
