import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY


@pytest.fixture
def second_staff_client(staff):
    """A client of its own for staff (verified by TOTP), beside the tenant's ``client``."""
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff.totpdevice_set.get().persistent_id
    session.save()
    return client
