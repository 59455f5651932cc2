"""Fills English translations into locale/en from a small dictionary kept here.

The portal's source strings are Polish (Polish is the primary language and the
fallback); run ``manage.py makemessages -l en`` and then this script, and add to
TRANSLATIONS what is new.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"

TRANSLATIONS = {
    "e-BOK": "e-BOK",
    "Przejdź do treści": "Skip to content",
    "Menu użytkownika": "User menu",
    "Zalogowano:": "Signed in:",
    "Wyloguj": "Log out",
    "Zaloguj się": "Log in",
    "Regulamin": "Terms of service",
    "Informacja o przetwarzaniu danych osobowych": "Privacy notice",
    "Biuro obsługi:": "Customer office:",
    "Język": "Language",
    "Zmień": "Change",
    "Nie znaleziono strony": "Page not found",
    "Strona, której szukasz, nie istnieje albo nie masz do niej dostępu.": "The page you are looking for does not exist or you have no access to it.",
    "Wróć na stronę główną": "Back to the home page",
    "Błąd serwera": "Server error",
    "Przepraszamy, wystąpił błąd": "Sorry, something went wrong",
    "Nie udało się wykonać tej operacji. Spróbuj ponownie za chwilę. Jeśli błąd się powtarza, skontaktuj się z biurem obsługi.": "The operation could not be completed. Please try again in a moment. If the error persists, contact the customer office.",
    "Internetowe Biuro Obsługi Klienta": "Online Customer Service Office",
    "Sprawdź saldo i kartotekę lokalu, pobierz e-faktury, podaj stan licznika i zgłoś sprawę — bez wychodzenia z domu.": "Check your unit's balance and ledger, download e-invoices, submit meter readings and report issues — from home.",
    "Masz już konto?": "Already have an account?",
    "Nie masz konta?": "No account yet?",
    "Złóż wniosek o dostęp do e-BOK. Po weryfikacji otrzymasz login i hasło e-mailem.": "Apply for access to e-BOK. After verification you will receive your login and password by e-mail.",
    "Pulpit": "Dashboard",
    "Twoje lokale": "Your units",
    "Twoje konto nie ma obecnie dostępu do żadnego lokalu. Jeśli to pomyłka, skontaktuj się z biurem obsługi.": "Your account currently has no access to any unit. If this is a mistake, contact the customer office.",
    "Logowanie": "Log in",
    "Login (identyfikator)": "Login (identifier)",
    "Hasło": "Password",
    "wymagane": "required",
    "Popraw zaznaczone pola formularza.": "Please correct the marked fields.",
    "Regulamin Internetowego Biura Obsługi Klienta": "Terms of service of the Online Customer Service Office",
    "Wiadomość wysłana automatycznie przez e-BOK.": "This message was sent automatically by e-BOK.",
    "tel.": "phone",
}


def main() -> int:
    text = PO.read_text()
    missing = []

    def fill(match: re.Match) -> str:
        msgid = match.group(1).replace('"\n"', "")
        if msgid in TRANSLATIONS:
            return f'msgid "{match.group(1)}"\nmsgstr "{TRANSLATIONS[msgid]}"'
        missing.append(msgid)
        return match.group(0)

    text = re.sub(r'msgid "((?:[^"\\]|\\.|"\n")*)"\nmsgstr ""', fill, text)
    text = text.replace("#, fuzzy\n", "")
    PO.write_text(text)
    print(f"{len(missing)} strings without English translation (Polish is shown)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
