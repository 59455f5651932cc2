"""python manage.py create_staff LOGIN --email ADDRESS [--superuser] [--role ROLE] — a staff member who can
log into admin at once: password, TOTP key with its QR code, static backup codes (A13)."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.services.staff import staff_provision


class Command(BaseCommand):
    help = (
        "Tworzy konto obsługi z kluczem TOTP i kodami zapasowymi albo resetuje istniejące "
        "(nowe hasło, nowy klucz, nowe kody; stare przestają działać). Pierwszy operator: "
        "użyj --superuser; pozostali dostają rolę opcją --role (np. „Obsługa klienta”, „Księgowość”, "
        "„Administrator portalu”) — konto obsługi bez roli nie widzi niczego w panelu. "
        "Wydrukowane hasło trzeba zmienić przy pierwszym logowaniu."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login", help="Login konta obsługi.")
        parser.add_argument("--email", required=True, help="Adres e-mail konta obsługi.")
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="Pełne uprawnienia w panelu (pierwszy operator). Przy resecie brak opcji ich nie odbiera.",
        )
        parser.add_argument(
            "--role",
            help="Rola (grupa) konta: „Obsługa klienta”, „Księgowość” albo „Administrator portalu”. "
            "Przy resecie rola jest dodawana do posiadanych.",
        )

    def handle(
        self, *args: Any, login: str, email: str, superuser: bool, role: str | None = None, **options: Any
    ) -> None:
        try:
            result = staff_provision(username=login, email=email, superuser=superuser, role=role)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if result.created:
            self.stdout.write(_("Utworzono konto obsługi „%(login)s”.") % {"login": result.user.username})
        else:
            self.stdout.write(
                _(
                    "Zresetowano konto obsługi „%(login)s”: poprzednie hasło, klucz TOTP i kody zapasowe "
                    "przestały działać."
                )
                % {"login": result.user.username}
            )
        # The lines below are read by people and by scripts: "Label: value", one per line.
        self.stdout.write(f"Login: {result.user.username}")
        self.stdout.write(f"Hasło: {result.password}")
        self.stdout.write(f"Klucz TOTP (base32): {result.totp_secret}")
        self.stdout.write(f"Adres otpauth: {result.otpauth_url}")
        qr = io.StringIO()
        segno.make(result.otpauth_url, error="m").terminal(out=qr, compact=True)
        self.stdout.write(qr.getvalue(), ending="")
        self.stdout.write(f"Kody zapasowe: {' '.join(result.static_codes)}")
        if result.user.blocked_at is not None:
            # A reset does not lift a block staff put on the account: that stays a decision made in admin.
            self.stderr.write(
                _("Uwaga: konto jest zablokowane przez obsługę (powód: %(reason)s); odblokuj je w panelu.")
                % {"reason": result.user.blocked_reason}
            )
        self.stdout.write(
            _(
                "Zeskanuj kod QR aplikacją uwierzytelniającą (np. Google Authenticator, Aegis) albo wpisz "
                "klucz ręcznie. Każdy kod zapasowy działa raz. Przy pierwszym logowaniu portal poprosi o "
                "zmianę hasła."
            )
        )
