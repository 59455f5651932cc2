"""The online payments' part of a user's personal-data download (RODO art. 15 and 20;
registered in ``PaymentsConfig.ready``): the payments they started through the gateway. The
gateway's token and staff's reminders are internal and not included."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services.personal_data import PersonalDataPart, Section, personal_data_section
from payments.models import Payment


def personal_data(user: User) -> list[Section]:
    return [
        personal_data_section(
            "payments",
            _("Płatności online"),
            Payment,
            Payment.objects.filter(user=user).select_related("unit__building").order_by("created_at", "id"),
            [
                "unit",
                "invoice_number",
                "amount",
                "fee",
                "currency",
                "state",
                "gateway",
                "session_id",
                "order_id",
                "statement",
                "created_at",
                "paid_at",
                "closed_at",
                "booked_at",
            ],
        ),
    ]


PART = PersonalDataPart(collect=personal_data)
