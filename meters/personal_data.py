"""The meters' part of a user's personal-data download (RODO art. 15 and 20; registered in
``MetersConfig.ready``): the readings they submitted and their photos."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services.personal_data import PersonalDataPart, Section, personal_data_section
from meters.models import Reading, ReadingSubmission


def personal_data(user: User) -> list[Section]:
    return [
        personal_data_section(
            "meter_readings",
            _("Odczyty liczników podane w e-BOK"),
            Reading,
            Reading.objects.filter(submitted_by=user).select_related("meter").order_by("submitted_at", "id"),
            [
                "reading_id",
                "meter",
                "read_on",
                "value",
                "status",
                "submitted_at",
                "confirmed_at",
                "rejected_reason",
            ],
        ),
        personal_data_section(
            "meter_reading_photos",
            _("Zdjęcia liczników i potwierdzenia zużycia"),
            ReadingSubmission,
            ReadingSubmission.objects.filter(user=user).order_by("created_at", "id"),
            ["reading_id", "created_at", "photo_name", "implausible_confirmed"],
        ),
    ]


PART = PersonalDataPart(collect=personal_data)
