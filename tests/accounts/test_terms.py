import pytest
from django.urls import reverse

from accounts.models import TermsAcceptance, TermsVersion
from accounts.services import terms_publish
from portal.models import AuditEntry
from tests.accounts.conftest import log_in

pytestmark = pytest.mark.django_db


def test_staff_publish_a_new_version_in_admin_and_it_is_audited(staff_client, staff):
    response = staff_client.post(
        reverse("admin:accounts_termsversion_add"), {"version": "2026.2", "text": "§ 1. Nowe zasady."}
    )
    assert response.status_code == 302
    terms = TermsVersion.objects.get()
    assert terms.published_by == staff and terms.published_at
    assert TermsVersion.current() == terms
    assert AuditEntry.objects.get(action="terms.publish").actor == staff
    # A published version is never edited: users accepted that very text.
    change = staff_client.post(
        reverse("admin:accounts_termsversion_change", args=[terms.pk]), {"version": "2026.2", "text": "zmiana"}
    )
    assert change.status_code == 403
    terms.refresh_from_db()
    assert terms.text == "§ 1. Nowe zasady."


def test_at_the_next_login_the_user_must_accept_the_new_version_before_anything_else(client, owner, staff):
    terms = terms_publish(version="2", text="§ 1. Regulamin w wersji drugiej.", by=staff)
    log_in(client, owner.username)
    for url in ["/", "/konto/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("terms_accept"))
    html = client.get(reverse("terms_accept")).content.decode()
    assert "Regulamin w wersji drugiej." in html and "wersji 2" in html
    assert "Aby korzystać z e-BOK, zaakceptuj regulamin." in client.post(reverse("terms_accept"), {}).content.decode()
    response = client.post(reverse("terms_accept"), {"accept": "on", "next": "/konto/"})
    assert response["Location"] == "/konto/"
    acceptance = TermsAcceptance.objects.get(user=owner)
    assert acceptance.terms == terms and acceptance.accepted_at
    assert AuditEntry.objects.filter(action="terms.accept", actor=owner).exists()
    assert client.get("/").status_code == 200


def test_the_terms_page_logout_and_closing_stay_reachable_before_acceptance(client, owner, staff):
    terms_publish(version="2", text="§ 1. Druga wersja.", by=staff)
    log_in(client, owner.username)
    assert "Druga wersja." in client.get(reverse("terms")).content.decode()
    assert client.get(reverse("account_close")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_accepting_twice_records_one_acceptance(client, owner, staff):
    terms_publish(version="2", text="x", by=staff)
    log_in(client, owner.username)
    client.post(reverse("terms_accept"), {"accept": "on"})
    client.post(reverse("terms_accept"), {"accept": "on"})
    assert TermsAcceptance.objects.filter(user=owner).count() == 1


def test_staff_are_not_asked_to_accept_the_tenants_terms(staff_client, staff):
    terms_publish(version="2", text="x", by=staff)
    assert staff_client.get("/admin/").status_code == 200


def test_the_public_terms_page_shows_the_current_version(client, staff):
    terms_publish(version="1", text="Pierwsza.", by=staff)
    terms_publish(version="2", text="Druga, obowiązująca.", by=staff)
    html = client.get(reverse("terms")).content.decode()
    assert "Druga, obowiązująca." in html and "Wersja 2" in html and "Pierwsza." not in html
