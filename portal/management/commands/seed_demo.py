"""Demo data for the try-out (command 1). Safe to run again: finds what it made before."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import UnitGrant, User
from billing.models import Person, Title, Unit
from portal.links import absolute_url
from portal.models import Operator
from sync.generator import generate_bundle
from sync.models import ImportRun
from sync.services import bundle_import

TENANT_LOGIN = "demo.lokator"
TENANT_PASSWORD = "Lokator2026demo"  # noqa: S105 - printed demo credentials, DEMO only
STAFF_LOGIN = "demo.obsluga"
STAFF_PASSWORD = "Obsluga2026demo"  # noqa: S105 - printed demo credentials, DEMO only
# Fixed so that the printed secret stays valid across runs of the demo.
STAFF_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
STAFF_STATIC_TOKENS = ["demo0001", "demo0002", "demo0003", "demo0004", "demo0005"]
# The demo bundle (scripts/run.sh generates and imports the same one).
DEMO_UNITS, DEMO_YEARS, DEMO_SEED = 40, 2, 2026


def demo_bundle_folder() -> Path:
    return Path(settings.BUNDLE_INBOX).parent / "demo"


class Command(BaseCommand):
    help = (
        "Loads demo data: the operator, a generated back-office bundle (units, people, ledgers, meters), "
        "a tenant holding a title to imported units, a staff user with TOTP."
    )

    def handle(self, *args, **options) -> None:
        if not settings.DEMO:
            raise CommandError("Dane demonstracyjne można wczytać tylko z DEMO=1 (nigdy w produkcji).")
        self._ensure_bundle()
        with transaction.atomic():
            self._operator()
            tenant = self._tenant(self._demo_person())
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

    def _ensure_bundle(self) -> None:
        """The demo's units, people, ledgers and meters come from a generated back-office
        bundle, imported like every night's (scripts/run.sh does the same explicitly)."""
        if Unit.objects.exists():
            return
        folder = demo_bundle_folder()
        if not (folder / "manifest.json").exists():
            generate_bundle(folder, units=DEMO_UNITS, years=DEMO_YEARS, seed=DEMO_SEED)
        run = bundle_import(path=folder)
        if run.status not in (ImportRun.Status.IMPORTED, ImportRun.Status.ALREADY_IMPORTED):
            raise CommandError(f"Nie udało się wczytać pakietu demonstracyjnego: {run.message}")

    def _demo_person(self) -> Person:
        """The imported person holding the most units today (a flat and a garage, say)."""
        today = timezone.localdate()
        person = (
            Person.objects.filter(titles__in=Title.objects.filter(Title.active_q(today)), company_name="")
            .annotate(held=Count("titles"))
            .order_by("-held", "external_id")
            .first()
        )
        if person is None:
            raise CommandError("Brak w danych osoby z ważnym tytułem prawnym do lokalu.")
        return person

    def _tenant(self, person: Person) -> User:
        tenant, created = User.objects.get_or_create(
            username=TENANT_LOGIN,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": "lokator@example.test",
                "person": person,
            },
        )
        if created:
            tenant.set_password(TENANT_PASSWORD)
            tenant.save()
        today = timezone.localdate()
        for title in person.titles.filter(Title.active_q(today)):
            UnitGrant.objects.get_or_create(
                user=tenant,
                unit=title.unit,
                defaults={"since": title.valid_from, "source": UnitGrant.Source.STAFF},
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
                    f"  Otwórz w przeglądarce:  {absolute_url('/')}",
                    f"  Panel obsługi (admin):  {absolute_url('/admin/')}",
                    f"  Poczta demo (wysłane e-maile, dla obsługi):  {absolute_url('/demo/poczta/')}",
                    f"  Lokator:  login {TENANT_LOGIN}  hasło {TENANT_PASSWORD}",
                    f"  Obsługa:  login {STAFF_LOGIN}  hasło {STAFF_PASSWORD}",
                    f"            TOTP (klucz do aplikacji): {secret}",
                    f"            kody zapasowe (jednorazowe): {' '.join(STAFF_STATIC_TOKENS)}",
                    f"            {totp.config_url}",
                    "",
                ]
            )
        )
