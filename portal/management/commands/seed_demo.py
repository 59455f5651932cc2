"""Demo data for the try-out (command 1). Safe to run again: finds what it made before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import UnitGrant, User
from billing.models import Building, Person, Title, Unit
from portal.models import Operator

TENANT_LOGIN = "demo.lokator"
TENANT_PASSWORD = "Lokator2026demo"  # noqa: S105 - printed demo credentials, DEMO only
STAFF_LOGIN = "demo.obsluga"
STAFF_PASSWORD = "Obsluga2026demo"  # noqa: S105 - printed demo credentials, DEMO only
# Fixed so that the printed secret stays valid across runs of the demo.
STAFF_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
STAFF_STATIC_TOKENS = ["demo0001", "demo0002", "demo0003", "demo0004", "demo0005"]


class Command(BaseCommand):
    help = "Loads demo data (operator, two buildings, a tenant, a staff user with TOTP)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO:
            raise CommandError("Dane demonstracyjne można wczytać tylko z DEMO=1 (nigdy w produkcji).")
        with transaction.atomic():
            self._operator()
            units = self._units()
            tenant = self._tenant(units)
            totp = self._staff()
        self._print(tenant, totp)

    def _operator(self) -> None:
        if Operator.objects.exists():
            return
        Operator.objects.create(
            name="Spółdzielnia Mieszkaniowa „Piast” w Zawierciu",
            short_name="SM Piast",
            street="ul. Żeromskiego 12",
            postal_code="42-400",
            city="Zawiercie",
            nip="6490001234",
            bank_account="61109010140000071219812874",
            email="bok@sm-piast.example",
            phone="+48 32 672 00 00",
            office_hours="pon.–pt. 7:00–15:00",
        )

    def _units(self) -> list[Unit]:
        addresses = [("ul. Żeromskiego", "12", "42-400"), ("os. Złote Łany", "3", "42-400")]
        units = []
        for b, (street, number, postal) in enumerate(addresses):
            building, _ = Building.objects.get_or_create(
                street=street, building_no=number, postal_code=postal, city="Zawiercie"
            )
            for n in range(1, 5):
                unit, _ = Unit.objects.get_or_create(
                    external_id=f"DEMO-U{b}{n:02d}",
                    defaults={
                        "building": building,
                        "kind": Unit.Kind.FLAT,
                        "unit_no": str(n),
                        "area_m2": Decimal("48.50") + n,
                        "extra_area_m2": Decimal("3.20"),
                        "occupants": 2,
                        "bank_account": "61109010140000071219812874",
                    },
                )
                units.append(unit)
        return units

    def _tenant(self, units: list[Unit]) -> User:
        person, _ = Person.objects.get_or_create(
            external_id="DEMO-P001",
            defaults={"first_name": "Józefa", "last_name": "Wiśniewska", "pesel": "44051401458"},
        )
        for unit in (units[0], units[4]):
            Title.objects.get_or_create(
                external_id=f"DEMO-T-{unit.external_id}",
                defaults={
                    "unit": unit,
                    "person": person,
                    "kind": Title.Kind.OWNERSHIP,
                    "valid_from": dt.date(2010, 1, 1),
                },
            )
        tenant, created = User.objects.get_or_create(
            username=TENANT_LOGIN,
            defaults={
                "first_name": "Józefa",
                "last_name": "Wiśniewska",
                "email": "lokator@example.test",
                "person": person,
            },
        )
        if created:
            tenant.set_password(TENANT_PASSWORD)
            tenant.save()
            for unit in (units[0], units[4]):
                UnitGrant.objects.create(
                    user=tenant, unit=unit, since=dt.date(2010, 1, 1), source=UnitGrant.Source.STAFF
                )
        return tenant

    def _staff(self) -> TOTPDevice:
        staff, created = User.objects.get_or_create(
            username=STAFF_LOGIN,
            defaults={
                "first_name": "Ewa",
                "last_name": "Obsługa",
                "email": "obsluga@example.test",
                "is_staff": True,
                "is_superuser": True,
            },
        )
        if created:
            staff.set_password(STAFF_PASSWORD)
            staff.save()
        totp, _ = TOTPDevice.objects.get_or_create(
            user=staff, name="demo", defaults={"key": STAFF_TOTP_KEY_HEX, "confirmed": True}
        )
        static, _ = StaticDevice.objects.get_or_create(user=staff, name="demo", defaults={"confirmed": True})
        existing = set(static.token_set.values_list("token", flat=True))
        for token in STAFF_STATIC_TOKENS:
            if token not in existing:
                StaticToken.objects.create(device=static, token=token)
        return totp

    def _print(self, tenant: User, totp: TOTPDevice) -> None:
        import base64

        secret = base64.b32encode(bytes.fromhex(STAFF_TOTP_KEY_HEX)).decode()
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Dane demonstracyjne gotowe:",
                    f"  Lokator:  login {TENANT_LOGIN}  hasło {TENANT_PASSWORD}",
                    f"  Obsługa:  login {STAFF_LOGIN}  hasło {STAFF_PASSWORD}  (panel: /admin/)",
                    f"            TOTP (klucz do aplikacji): {secret}",
                    f"            kody zapasowe (jednorazowe): {' '.join(STAFF_STATIC_TOKENS)}",
                    f"            {totp.config_url}",
                    "",
                ]
            )
        )
