import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.services import user_block, user_unblock
from portal.models import AuditEntry
from tests.accounts.conftest import log_in

pytestmark = pytest.mark.django_db


def test_blocking_needs_a_reason(owner, staff):
    with pytest.raises(ValidationError, match="Podaj powód blokady"):
        user_block(user=owner, by=staff, reason="  ")


def test_a_blocked_user_cannot_log_in_and_is_told_so_in_polish(client, owner, staff):
    user_block(user=owner, by=staff, reason="Pisemny wniosek właściciela")
    html = log_in(client, owner.username).content.decode()
    assert "To konto jest zablokowane" in html
    assert "_auth_user_id" not in client.session


def test_every_open_session_of_a_blocked_user_ends_at_once(owner, staff):
    phone, laptop = Client(), Client()
    log_in(phone, owner.username)
    log_in(laptop, owner.username)
    assert "Twoje lokale" in phone.get("/").content.decode()
    user_block(user=owner, by=staff, reason="Nadużycie")
    for client in (phone, laptop):
        response = client.get("/konto/")
        assert response.status_code == 302 and response["Location"] == reverse("login")
        assert "_auth_user_id" not in client.session
        assert "Twoje konto zostało zablokowane" in client.get(reverse("login")).content.decode()
    assert "Twoje lokale" not in phone.get("/").content.decode()


def test_staff_block_and_unblock_in_admin_with_a_reason_and_both_are_audited(staff_client, staff, owner, client):
    block_url = reverse("admin:accounts_user_block", args=[owner.pk])
    page = staff_client.get(reverse("admin:accounts_user_change", args=[owner.pk])).content.decode()
    assert block_url in page
    assert "To pole jest wymagane." in staff_client.post(block_url, {"reason": ""}).content.decode()
    assert staff_client.post(block_url, {"reason": "Pisemny wniosek właściciela"}).status_code == 302
    owner.refresh_from_db()
    assert owner.is_blocked and owner.blocked_reason == "Pisemny wniosek właściciela"
    unblock_url = reverse("admin:accounts_user_unblock", args=[owner.pk])
    assert staff_client.post(unblock_url, {"reason": "Wyjaśniono w biurze"}).status_code == 302
    owner.refresh_from_db()
    assert not owner.is_blocked
    entries = AuditEntry.objects.filter(object_id=str(owner.pk), action__in=["account.block", "account.unblock"])
    assert [(e.action, e.actor, e.details["reason"]) for e in entries.order_by("id")] == [
        ("account.block", staff, "Pisemny wniosek właściciela"),
        ("account.unblock", staff, "Wyjaśniono w biurze"),
    ]
    log_in(client, owner.username)
    assert "_auth_user_id" in client.session


def test_unblocking_an_account_that_is_not_blocked_changes_nothing(owner, staff):
    user_unblock(user=owner, by=staff, reason="pomyłka")
    assert not AuditEntry.objects.filter(action="account.unblock").exists()
