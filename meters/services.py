"""Workflows of meters and readings: a tenant submits a reading, staff reject one,
reminders go out when the reading window opens. Each writes its audit entry."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from meters import selectors
from meters.formats import format_quantity
from meters.models import Meter, Plausibility, Reading, ReadingSubmission
from meters.window import reading_window, window_state
from portal import files
from portal.formats import format_date
from portal.links import absolute_reverse
from portal.models import EmailMessage
from portal.services.audit import audit_log
from portal.services.mail import email_queue


@dataclass(frozen=True)
class Submitted:
    reading: Reading
    created: bool  # False: the same submission had already made this reading


class ImplausibleReading(Exception):
    """The consumption since the last reading is implausible: the tenant must confirm it."""

    def __init__(self, *, meter: Meter, value: Decimal, read_on: dt.date, check: Plausibility) -> None:
        super().__init__("implausible reading")
        self.meter, self.value, self.read_on, self.check = meter, value, read_on, check

    @property
    def message(self) -> str:
        unit = self.meter.measure_unit
        check = self.check
        if check.per_day is None:
            usage = _("zużycie %(consumption)s %(unit)s tego samego dnia co ostatni odczyt") % {
                "consumption": format_quantity(check.consumption),
                "unit": unit,
            }
        else:
            usage = _("zużycie %(consumption)s %(unit)s w %(days)s dn., czyli %(per_day)s %(unit)s dziennie") % {
                "consumption": format_quantity(check.consumption),
                "days": check.days,
                "per_day": format_quantity(check.per_day),
                "unit": unit,
            }
        return _(
            "Podany stan %(value)s %(unit)s oznacza %(usage)s. To ponad 3 razy więcej niż średnio w ostatnich "
            "12 miesiącach (%(average)s %(unit)s dziennie). Sprawdź stan licznika: czy odczytano właściwy licznik "
            "i czy przecinek jest we właściwym miejscu. Jeśli stan jest prawidłowy, potwierdź go poniżej."
        ) % {
            "value": format_quantity(self.value),
            "unit": unit,
            "usage": usage,
            "average": format_quantity(check.average_per_day),
        }


def _sniffed_photo_type(photo: File[bytes]) -> str:
    """The photo's type by its first bytes; the form has checked it fully (Pillow), this guards callers."""
    photo.seek(0)
    content_type = files.sniff(photo.read(16))
    photo.seek(0)
    if content_type not in (files.JPEG, files.PNG):
        raise ValidationError(
            {"photo": _("Zdjęcie musi być plikiem JPEG lub PNG (sprawdzamy zawartość pliku, nie jego nazwę).")}
        )
    return content_type


def reading_submit(
    *,
    meter: Meter,
    user: User,
    value: Decimal,
    read_on: dt.date,
    photo: File[bytes] | None,
    confirmed_implausible: bool,
    idempotency_key: str,
    request: HttpRequest | None = None,
) -> Submitted:
    """Record a tenant's reading as waiting for the back-office's confirmation.

    Raises ValidationError (messages by form field) when a rule refuses it, and
    ImplausibleReading when the consumption needs the tenant's confirmation
    (``confirmed_implausible``). The same submission sent again (the same form's
    ``idempotency_key``, or the same meter, date and value from another tab) returns
    the reading it already made instead of a second one.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    state = window_state(today)
    if not state.open:
        raise ValidationError(state.message, code="window_closed")
    photo_type = _sniffed_photo_type(photo) if photo is not None else ""
    # Re-encoded before the meter's row is locked (it decodes the whole image): what is
    # stored is the pixels only, without EXIF/GPS or anything appended (portal.files).
    try:
        stored_photo = files.image_reencoded(photo, photo_type, name="zdjecie-licznika") if photo else None
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from exc
    with transaction.atomic():
        # Race: a double click or two tabs send the reading at the same moment. The row lock
        # on the meter makes the second request wait for the first to commit, then find its
        # reading below (the unique idempotency_key backs this up).
        meter = Meter.objects.select_for_update().get(pk=meter.pk)
        earlier = ReadingSubmission.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            reading = Reading.objects.filter(reading_id=earlier.reading_id).first()
            if (
                reading is not None
                and earlier.user_id == user.pk
                and reading.meter_id == meter.external_id
                and (reading.read_on, reading.value) == (read_on, value)
            ):
                return Submitted(reading=reading, created=False)
            raise ValidationError(
                _("Ten formularz został już wysłany. Otworzyliśmy go ponownie: podaj odczyt jeszcze raz."),
                code="token_used",
            )
        duplicate = (
            Reading.objects.filter(meter_id=meter.external_id, read_on=read_on, value=value)
            .exclude(status=Reading.Status.REJECTED)
            .first()
        )
        if duplicate is not None:
            return Submitted(reading=duplicate, created=False)

        points = selectors.measured_points([meter])[meter.external_id]
        meter.accepts_reading(value=value, read_on=read_on, today=today, last=selectors.last_point(points))
        check = meter.plausibility(value=value, read_on=read_on, history=points)
        if check.implausible and not confirmed_implausible:
            raise ImplausibleReading(meter=meter, value=value, read_on=read_on, check=check)

        reading = Reading.objects.create(
            reading_id=Reading.issue_portal_id(now),
            meter=meter,
            read_on=read_on,
            value=value,
            source=Reading.Source.TENANT,
            status=Reading.Status.WAITING,
            submitted_at=now,
            submitted_by=user,
        )
        submission = ReadingSubmission(
            reading_id=reading.reading_id,
            idempotency_key=idempotency_key,
            user=user,
            created_at=now,
            implausible_confirmed=check.implausible,
            consumption_per_day=check.per_day,
            average_per_day=check.average_per_day,
        )
        if photo is not None and stored_photo is not None:
            submission.photo_content_type = photo_type
            # The tenant's file name is kept as a label only; the download is named by
            # ReadingSubmission.photo_download_name.
            submission.photo_name = os.path.basename(photo.name or "")[:200]
            submission.photo.save(stored_photo.name, stored_photo, save=False)
        submission.save()
        audit_log(
            action="reading.submit",
            actor=user,
            obj=reading,
            request=request,
            details={
                "reading_id": reading.reading_id,
                "meter": meter.external_id,
                "read_on": read_on.isoformat(),
                "value": str(value),
                "photo": bool(photo),
                "implausible_confirmed": check.implausible,
            },
        )
    return Submitted(reading=reading, created=True)


def reading_reject(*, reading: Reading, by: User, reason: str, request: HttpRequest | None = None) -> Reading:
    """Staff reject a tenant's reading waiting for confirmation; the tenant is e-mailed the reason.

    A rejected reading leaves the outbound bundle and no longer counts as the meter's last reading.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Podaj powód odrzucenia: lokator otrzyma go e-mailem.")})
    with transaction.atomic():
        # Race: two staff members (or a double click) reject the same reading; the lock lets one through.
        locked = Reading.objects.select_for_update().select_related("meter").get(pk=reading.pk)
        if not locked.is_rejectable:
            raise ValidationError(
                _("Odczyt %(id)s nie czeka na potwierdzenie (stan: %(status)s), więc nie można go odrzucić.")
                % {"id": locked.reading_id, "status": locked.get_status_display()}
            )
        locked.status = Reading.Status.REJECTED
        locked.rejected_reason = reason
        locked.save(update_fields=["status", "rejected_reason"])
        audit_log(
            action="reading.reject",
            actor=by,
            obj=locked,
            request=request,
            details={"reading_id": locked.reading_id, "reason": reason, "value": str(locked.value)},
        )
        tenant = locked.submitted_by
        if tenant is not None and tenant.email and tenant.closed_at is None:
            email_queue(
                to=[tenant.email],
                template="reading_rejected",
                context={
                    "reading": locked,
                    "meter": locked.meter,
                    "value": format_quantity(locked.value),
                    "read_on": format_date(locked.read_on),
                    "reason": reason,
                    "meter_url": absolute_reverse("meters:meter", locked.meter.pk),
                },
                user=tenant,
                dedup_key=f"reading-rejected:{locked.pk}",
            )
    return locked


def reminder_recipients() -> QuerySet[User]:
    return access.reachable_users().filter(notify_reading_reminders=True).order_by("pk")


def reading_reminders_send(*, today: dt.date) -> int:
    """When the reading window is open: e-mail each user who opted in, once per window, the
    meters of their units that take readings. Safe to run every day of the window (the
    e-mail's dedup key carries the window's first day). Returns how many were queued."""
    window = reading_window()
    period = window.period_containing(today) if window else None
    if period is None:
        return 0
    opens, closes = period
    queued = 0
    for user in reminder_recipients().iterator():
        dedup_key = f"reading-reminder:{user.pk}:{opens.isoformat()}"
        if EmailMessage.objects.filter(dedup_key=dedup_key).exists():
            continue
        meters = [
            meter
            for meter in selectors.meters_for_user(user).select_related("unit__building")
            if meter.reading_refusal(today) is None
        ]
        if not meters:
            continue
        email_queue(
            to=[user.email],
            template="reading_reminder",
            context={
                "user": user,
                "meters": [
                    {
                        "meter": meter,
                        "unit": str(meter.unit),
                        "url": absolute_reverse("meters:submit", meter.pk),
                    }
                    for meter in sorted(meters, key=lambda m: (str(m.unit), m.medium, m.serial_no))
                ],
                "opens": format_date(opens),
                "closes": format_date(closes),
            },
            user=user,
            dedup_key=dedup_key,
        )
        queued += 1
    return queued
