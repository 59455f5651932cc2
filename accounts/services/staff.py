"""Staff accounts made from the command line (A13): the first operator cannot use admin
to give themselves the second factor admin asks for, so one service makes (or resets) a
staff member together with a TOTP device and static backup codes."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.password_validation import password_generate
from accounts.services.users import lockout_reset
from portal.services.audit import audit_log

STATIC_CODES = 10
TOTP_DEVICE_NAME = "aplikacja (create_staff)"
STATIC_DEVICE_NAME = "kody zapasowe (create_staff)"


@dataclass(frozen=True)
class StaffCredentials:
    """What the staff member needs to log in, printed once by the command."""

    user: User
    created: bool
    password: str
    totp_secret: str
    otpauth_url: str
    static_codes: list[str]


def _check(*, username: str, email: str) -> tuple[str, str]:
    username, email = username.strip(), email.strip()
    if not username:
        raise ValidationError(_("Podaj login konta obsługi."), code="username_required")
    if len(username) > (User._meta.get_field("username").max_length or 150):
        raise ValidationError(_("Login jest za długi (najwyżej 150 znaków)."), code="username_too_long")
    try:
        User.username_validator(username)
    except ValidationError:
        raise ValidationError(
            _("Nieprawidłowy login „%(login)s”: dozwolone są litery, cyfry i znaki @ . + - _.") % {"login": username},
            code="username_invalid",
        ) from None
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("Nieprawidłowy adres e-mail „%(email)s”.") % {"email": email}, code="email_invalid"
        ) from None
    return username, email


def _password_for(user: User) -> str:
    # The generator already follows the rule (A6); the validators also compare it with the
    # login and e-mail, which a random password matches only by a freak chance: draw again.
    while True:
        password = password_generate()
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password


def _role(name: str | None) -> Group | None:
    if not name:
        return None
    group = Group.objects.filter(name=name.strip()).first()
    if group is None:
        available = ", ".join(f"„{role}”" for role in Group.objects.order_by("name").values_list("name", flat=True))
        raise ValidationError(
            _("Nie ma roli „%(role)s”. Dostępne role: %(roles)s.") % {"role": name, "roles": available or "—"},
            code="no_such_role",
        )
    return group


def staff_provision(*, username: str, email: str, superuser: bool = False, role: str | None = None) -> StaffCredentials:
    """Create the staff member ``username`` or reset an existing one.

    Either way the account gets a new generated password that must be changed at the first
    login (A5, as any password someone else typed), one new confirmed TOTP device replacing
    all earlier ones, and ten new static backup codes replacing earlier ones; a login lockout
    is opened and the account is active. ``superuser`` grants every permission (the first
    operator's choice); leaving it out of a
    reset does not take it away. ``role`` names a group (accounts.roles, e.g. "Obsługa
    klienta") the account joins; a reset adds it to the roles held. A login of a tenant's
    (non-staff) account is refused.
    """
    username, email = _check(username=username, email=email)
    group = _role(role)
    with transaction.atomic():
        # Two runs for one existing login at once: the second waits, then resets what the first
        # made. For a new login the unique username refuses the second.
        user = User.objects.select_for_update().filter(username=username).first()
        if user is not None and not user.is_staff:
            raise ValidationError(
                _("Login „%(login)s” należy do konta, które nie jest kontem obsługi; wybierz inny login.")
                % {"login": username},
                code="not_staff",
            )
        taken = User.objects.filter(email__iexact=email, closed_at__isnull=True)
        if user is not None:
            taken = taken.exclude(pk=user.pk)
        if taken.exists():
            raise ValidationError(
                _("Adres e-mail „%(email)s” ma już inne aktywne konto.") % {"email": email}, code="email_taken"
            )
        created = user is None
        if user is None:
            user = User(username=username)
        user.email = email
        user.is_staff = True
        user.is_active = True
        user.is_superuser = user.is_superuser or superuser
        password = _password_for(user)
        user.set_password(password)
        user.must_change_password = True
        user.save()
        if group is not None:
            user.groups.add(group)
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        totp = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
        static = StaticDevice.objects.create(user=user, name=STATIC_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _i in range(STATIC_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
        if not created:
            lockout_reset(username=username, by=None, reason="create_staff")
        audit_log(
            action="account.staff_create" if created else "account.staff_reset",
            actor_label="manage.py create_staff",
            obj=user,
            details={
                "email": email,
                "superuser": user.is_superuser,
                "roles": sorted(g.name for g in user.groups.all()),
            },
        )
    return StaffCredentials(
        user=user,
        created=created,
        password=password,
        totp_secret=b32encode(totp.bin_key).decode("ascii").rstrip("="),
        otpauth_url=totp.config_url,
        static_codes=codes,
    )
