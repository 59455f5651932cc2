"""Demo data for the try-out (command 1). Safe to run again: finds what it made before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Application, ApplicationUnit, UnitGrant, User
from accounts.selectors import units_for_user
from billing.models import Invoice, InvoiceLine, LedgerEntry, Person, Title, Unit
from meters.consumption import add_months, month_start
from meters.models import Meter
from portal.links import absolute_url
from portal.models import Operator
from sync.generator import generate_bundle, ksef_registration, pdf_bytes
from sync.models import ImportRun
from sync.services import bundle_import
from tickets.models import DownloadForm, Ticket
from tickets.services import ticket_file, ticket_staff_update

TENANT_LOGIN = "demo.lokator"
# The portal's own password rule (A6 and the operator's special character) holds for them too.
TENANT_PASSWORD = "Zielona-Brama-2026"  # noqa: S105 - printed demo credentials, DEMO only
STAFF_LOGIN = "demo.obsluga"
STAFF_PASSWORD = "Biurko-Kawa-2026"  # noqa: S105 - printed demo credentials, DEMO only
# Fixed so that the printed secret stays valid across runs of the demo.
STAFF_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
STAFF_STATIC_TOKENS = ["demo0001", "demo0002", "demo0003", "demo0004", "demo0005"]
# Marks what _showcase made (ids of the back-office's rows never start with it).
SHOWCASE_PREFIX = "DEMO-"
# The demo bundle (scripts/run.sh generates and imports the same one).
DEMO_UNITS, DEMO_YEARS, DEMO_SEED = 40, 2, 2026


def demo_bundle_folder() -> Path:
    return Path(settings.BUNDLE_INBOX).parent / "demo"


class Command(BaseCommand):
    help = (
        "Loads demo data: the operator, a generated back-office bundle (units, people, ledgers, meters), "
        "a tenant holding a title to imported units, a staff user with TOTP."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("Dane demonstracyjne można wczytać tylko z DEMO=1 (nigdy w produkcji).")
        self._ensure_bundle()
        with transaction.atomic():
            self._operator()
            tenant = self._tenant(self._demo_person())
            totp = self._staff()
            if not Invoice.objects.filter(external_id__startswith=SHOWCASE_PREFIX).exists():
                self._showcase(tenant, totp.user)
            self._chat(tenant, totp.user)
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
        if created or not tenant.check_password(TENANT_PASSWORD):
            # An older demo database gets the printed password too.
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
        if created or not staff.check_password(STAFF_PASSWORD):
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

    def _showcase(self, tenant: User, staff: User) -> None:
        """What the generated bundle does not give the demo tenant, so that every feature shows
        from the printed accounts (issue 14 item 26): invoices of their flat, a meter that takes
        no reading beside ones that do, tickets (one answered), a form to download, an
        application waiting for activation. Made once (the invoices' ids mark it)."""
        today = timezone.localdate()
        units = list(units_for_user(tenant).order_by("pk"))
        flat = next((unit for unit in units if unit.kind == "flat"), units[0])
        if tenant.person is None:
            raise CommandError("Demonstracyjny lokator nie ma osoby z systemu źródłowego.")
        self._invoices(flat, tenant.person, today)
        Meter.objects.create(
            external_id=f"{SHOWCASE_PREFIX}M1",
            unit=flat,
            medium=Meter.Medium.HEAT,
            serial_no="SN-DEMO-0001",
            installed_on=today.replace(year=today.year - 6),
            legalization_valid_until=today - dt.timedelta(days=40),
            initial_value=Decimal("0.000"),
        )
        filed = ticket_file(
            kind=Ticket.Kind.MESSAGE,
            reporter=tenant,
            unit=flat,
            subject="Pytanie o rozliczenie wody",
            description="Dlaczego w rozliczeniu półrocznym zużycie jest wyższe niż w poprzednim okresie?",
        )
        ticket_staff_update(
            ticket=filed.ticket,
            by=staff,
            status=Ticket.Status.RESOLVED,
            answer="Zużycie wynika z odczytu z 30 czerwca; szczegóły są w zestawieniu kartoteki lokalu.",
        )
        ticket_file(
            kind=Ticket.Kind.FAILURE,
            reporter=tenant,
            unit=flat,
            subject="Cieknący zawór w piwnicy",
            description="Zawór przy wodomierzu w komórce lokatorskiej przecieka od wczoraj.",
        )
        form = DownloadForm(title="Wniosek o zmianę liczby osób w lokalu", description="Do wydruku i podpisania.")
        content = pdf_bytes(
            form.title,
            [
                "Imię i nazwisko: ....................",
                "Adres lokalu: ....................",
                "Liczba osób od dnia ..........: .....",
            ],
        )
        form.file.save("wniosek-liczba-osob.pdf", ContentFile(content), save=False)
        form.size = len(content)
        form.save()
        other = Unit.objects.exclude(pk__in=[unit.pk for unit in units]).filter(kind="flat").order_by("pk").first()
        application = Application.objects.create(
            status=Application.Status.PENDING,
            first_name="Zofia",
            last_name="Wnioskująca",
            email="zofia.wnioskujaca@example.test",
            phone="600 123 456",
            title_kind=Title.Kind.OWNERSHIP,
            email_confirmed_at=timezone.now() - dt.timedelta(days=2),
            created_at=timezone.now() - dt.timedelta(days=2),
        )
        application.number = f"W/{today.year}/{application.pk:06d}"
        application.save(update_fields=["number"])
        if other is not None:
            ApplicationUnit.objects.create(
                application=application,
                street=other.building.street,
                building_no=other.building.building_no,
                unit_no=other.unit_no,
                unit=other,
            )

    def _chat(self, tenant: User, staff: User) -> None:
        """Issue 16: the demo staff may chat (explicitly, besides being a superuser) and the demo
        tenant has one finished conversation in their history. Made once."""
        from django.contrib.auth.models import Permission

        from chat.models import Conversation
        from chat.services import conversation_close, conversation_start, conversation_take, message_post

        staff.user_permissions.add(Permission.objects.get(codename="handle_chat", content_type__app_label="chat"))
        if Conversation.objects.filter(tenant=tenant).exists():
            return
        conversation = conversation_start(tenant=tenant, body="Dzień dobry, do kiedy mam zapłacić za grudzień?")
        conversation_take(conversation=conversation, by=staff)
        message_post(conversation=conversation, author=staff, body="Dzień dobry, termin płatności to 20 grudnia.")
        conversation_close(conversation=conversation, by=staff)

    def _invoices(self, flat: Unit, buyer: Person, today: dt.date) -> None:
        """Three monthly water invoices of the flat, the newest still to pay."""
        for months_back in (3, 2, 1):
            month = add_months(month_start(today), -months_back)
            quantity = Decimal(4 + months_back)
            net = (quantity * Decimal("14.80")).quantize(Decimal("0.01"))
            vat = (net * Decimal("0.08")).quantize(Decimal("0.01"))
            number = f"FV/{month:%m}/{month:%Y}/DEMO"
            # Registered in KSeF (B9): the page and the PDF show its number and the KOD I code.
            ksef_number, ksef_hash, _xml = ksef_registration(
                technical=0xDE0000000000 + months_back,
                check=months_back,
                number=number,
                issued=month.replace(day=5),
                sale=month.replace(day=1) - dt.timedelta(days=1),
                buyer_id=buyer.external_id,
                lines=[("Dostawa wody i odprowadzanie ścieków", quantity, "m3", Decimal("14.80"), "8")],
                totals=[net, vat, net + vat],
            )
            invoice = Invoice.objects.create(
                external_id=f"{SHOWCASE_PREFIX}I{months_back}",
                unit=flat,
                number=number,
                issued_on=month.replace(day=5),
                sale_date=month.replace(day=1) - dt.timedelta(days=1),
                due_on=month.replace(day=20),
                buyer=buyer,
                net=net,
                vat=vat,
                gross=net + vat,
                ksef_number=ksef_number,
                ksef_hash=ksef_hash,
            )
            InvoiceLine.objects.create(
                invoice=invoice,
                line_no=1,
                name="Dostawa wody i odprowadzanie ścieków",
                quantity=quantity,
                measure_unit="m3",
                unit_net_price=Decimal("14.80"),
                vat_rate="8",
                net=net,
                vat=vat,
                gross=net + vat,
            )
            if months_back == 1:
                # The newest invoice is still to pay (charged in the ledger, not paid), so that the
                # demo tenant can pay it online (issue 17) whatever the generated ledger's balance.
                LedgerEntry.objects.create(
                    external_id=f"{SHOWCASE_PREFIX}L1",
                    unit=flat,
                    booked_on=invoice.issued_on,
                    due_on=invoice.due_on,
                    kind=LedgerEntry.Kind.CHARGE,
                    component="woda i ścieki",
                    description=f"Faktura {invoice.number}",
                    amount=invoice.gross,
                )

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
