"""The second factor of a staff login (A13): one code for any of the user's devices."""

from __future__ import annotations

from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def second_factor_verify(*, user: User, code: str) -> Device | None:
    """The user's confirmed device that accepts ``code`` — a TOTP code of any of their TOTP
    devices or one of their static backup codes (used up by this) — or None.

    django-otp verifies a code against one device the user chose; trying every device in
    turn would record a failure on each one that did not match (throttling the backup
    codes every time the phone's code is used). So the device is found without side
    effects first, and only that device then verifies the code as django-otp does (a TOTP
    code not accepted twice, throttling, the backup code deleted). A code that no device
    matches is recorded on none of them: the login lockout counts it as a failed login,
    as it counts a wrong password (accounts.forms.AdminLoginForm).
    """
    code = "".join(code.split())
    if not code:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if _matches(device, code) and device.verify_token(code):
                return device
    return None


def _matches(device: Device, code: str) -> bool:
    if isinstance(device, StaticDevice):
        return bool(device.token_set.filter(token=code).exists())
    if isinstance(device, TOTPDevice):
        if not code.isdigit() or len(code) != device.digits:
            return False
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        return bool(totp.verify(int(code), device.tolerance, device.last_t + 1))
    return False
