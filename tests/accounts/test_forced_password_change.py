import pytest
from django.urls import reverse

from accounts.services import user_new_first_password
from portal.models import AuditEntry, EmailMessage
from tests.accounts.conftest import log_in
from tests.factories import PASSWORD, TenantFactory, UnitFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "NoweHasło2027"


@pytest.fixture
def first_timer(db):
    return TenantFactory(units=[UnitFactory()], must_change_password=True)


@pytest.mark.parametrize("url", ["/", "/konto/", "/konto/zamknij/", "/regulamin/akceptacja/", "/admin/"])
def test_every_page_leads_to_the_change_form_until_the_first_password_is_changed(client, first_timer, url):
    log_in(client, first_timer.username)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("password_change"))


def test_the_change_form_and_logout_stay_reachable(client, first_timer):
    log_in(client, first_timer.username)
    html = client.get(reverse("password_change")).content.decode()
    assert "Ustaw własne hasło" in html and "Logujesz się hasłem nadanym przez system" in html
    assert client.get(reverse("terms")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_after_the_change_everything_opens_and_the_user_returns_where_they_were_going(client, first_timer):
    log_in(client, first_timer.username)
    redirect = client.get("/konto/")["Location"]
    assert redirect == reverse("password_change") + "?next=%2Fkonto%2F"
    response = client.post(
        redirect,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "next": "/konto/"},
    )
    assert response["Location"] == "/konto/"
    first_timer.refresh_from_db()
    assert not first_timer.must_change_password and first_timer.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="account.password_change", object_id=str(first_timer.pk)).exists()


def test_the_new_password_must_differ_and_errors_stand_next_to_the_field(client, first_timer):
    log_in(client, first_timer.username)
    html = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    ).content.decode()
    assert "Nowe hasło musi różnić się od dotychczasowego." in html.split('id="id_new_password1_error"')[1]
    html = client.post(
        reverse("password_change"),
        {"old_password": "zle", "new_password1": "krotkie", "new_password2": "inne"},
    ).content.decode()
    assert "Obecne hasło jest nieprawidłowe." in html
    assert "To hasło jest za krótkie" in html.split('id="id_new_password1_error"')[1]
    assert "Hasła w obu polach nie są jednakowe." in html
    assert 'value="krotkie"' not in html  # passwords are never sent back


def test_the_same_applies_after_a_staff_generated_password(client, owner, staff):
    user_new_first_password(user=owner, by=staff)
    password = EmailMessage.objects.get(user=owner).body_text.split("Nowe hasło: ")[1].split()[0]
    log_in(client, owner.username, password)
    assert client.get("/")["Location"].startswith(reverse("password_change"))


def test_the_emailed_first_password_is_removed_from_the_outbox_once_changed(client, owner, staff):
    user_new_first_password(user=owner, by=staff)
    message = EmailMessage.objects.get(user=owner)
    password = message.body_text.split("Nowe hasło: ")[1].split()[0]
    EmailMessage.objects.filter(pk=message.pk).update(status=EmailMessage.Status.SENT)
    log_in(client, owner.username, password)
    client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    message.refresh_from_db()
    assert password not in message.body_text and "Treść usunięta" in message.body_text
