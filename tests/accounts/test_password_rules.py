import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.password_validation import MaximumLengthValidator, password_generate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _errors(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_a_password_with_eight_characters_an_upper_case_letter_and_a_digit_is_accepted():
    assert _errors("Mieszk4nie") == []


def test_a_polish_upper_case_letter_counts():
    assert _errors("łódźświt7Ż") == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Krót1", "To hasło jest za krótkie. Musi zawierać co najmniej 8 znaków."),
        ("mieszkanie7", "Hasło musi zawierać co najmniej jedną wielką literę."),
        ("Mieszkanie", "Hasło musi zawierać co najmniej jedną cyfrę."),
        ("Password1", "To hasło jest zbyt powszechne."),
        ("48607123999", "Hasło składa się wyłącznie z cyfr."),
    ],
)
def test_each_rule_has_its_own_polish_message(password, message):
    assert message in _errors(password)


def test_a_password_like_the_users_name_is_refused():
    user = UserFactory.build(username="12345678", first_name="Grzegorz", last_name="Brzęczyszczykiewicz")
    assert any("zbyt podobne" in m for m in _errors("Brzęczyszczykiewicz1", user))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("87654321Ab", "Hasło jest zbyt podobne do nazwy użytkownika (loginu)."),
        ("Grzegorz77", "Hasło jest zbyt podobne do Twojego imienia."),
        ("Brzęczyszczykiewicz1", "Hasło jest zbyt podobne do Twojego nazwiska."),
        ("Skrzynka77", "Hasło jest zbyt podobne do Twojego adresu e-mail."),
    ],
)
def test_the_similarity_message_names_the_attribute_in_correct_polish(password, message):
    user = UserFactory.build(
        username="87654321", first_name="Grzegorz", last_name="Brzęczyszczykiewicz", email="skrzynka@example.pl"
    )
    errors = _errors(password, user)
    assert message in errors
    assert not any("do nazwa" in m or "do imię" in m or "do nazwisko" in m for m in errors)


@pytest.mark.parametrize(("limit", "message"), [(1, "1 znak."), (24, "24 znaki."), (25, "25 znaków.")])
def test_the_maximum_length_message_uses_the_polish_plural_forms(limit, message):
    with translation.override("pl"):
        assert MaximumLengthValidator(limit).get_help_text() == f"Hasło może mieć najwyżej {message}"


def test_up_to_128_characters_are_accepted_and_more_refused():
    assert _errors("A1" + "x" * 126) == []
    assert _errors("A1" + "x" * 127) == ["Hasło może mieć najwyżej 128 znaków."]


def test_the_operator_can_require_a_special_character(settings):
    settings.PASSWORD_REQUIRE_SPECIAL = True
    assert "Hasło musi zawierać co najmniej jeden znak specjalny (np. ! ? # %)." in _errors("Mieszk4nie")
    assert _errors("Mieszk4nie!") == []


def test_the_operator_can_raise_the_minimum_length(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {**v, "OPTIONS": {"min_length": 12}} if v["NAME"].endswith("MinimumLengthValidator") else v
        for v in settings.AUTH_PASSWORD_VALIDATORS
    ]
    assert "To hasło jest za krótkie. Musi zawierać co najmniej 12 znaków." in _errors("Mieszk4nie")
    assert len(password_generate()) >= 12 and _errors(password_generate()) == []


def test_generated_first_passwords_satisfy_every_rule(settings):
    settings.PASSWORD_REQUIRE_SPECIAL = True
    for _ in range(50):
        assert _errors(password_generate()) == []


def test_the_rules_are_listed_under_the_field_before_the_user_types(client, owner):
    client.force_login(owner)
    html = client.get(reverse("password_change")).content.decode()
    rules = html.split('id="id_new_password1_helptext"')[1].split("</div>")[0]
    assert "co najmniej 8 znaków" in rules
    assert "co najmniej jedną wielką literę" in rules
    assert "co najmniej jedną cyfrę" in rules
    assert "najwyżej 128 znaków" in rules
    assert "powszechnie używanym hasłem" in rules
    assert "znak specjalny" not in rules
    assert "<li></li>" not in rules


def test_passwords_are_stored_with_argon2(owner):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert identify_hasher(owner.password).algorithm == "argon2"
