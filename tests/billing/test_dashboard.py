"""Dashboard (B3): every unit with its balance in words and colour, the next payment, data as of."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import UnitGrant
from billing.models import LedgerEntry
from sync.models import ImportRun
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def _entry(unit, amount, *, kind=LedgerEntry.Kind.CHARGE, booked=dt.date(2026, 11, 1), due=None):
    return factories.LedgerEntryFactory(unit=unit, amount=Decimal(amount), kind=kind, booked_on=booked, due_on=due)


@time_machine.travel(TODAY, tick=False)
def test_each_unit_shows_its_balance_in_words_and_colour(client, owner, unit):
    credit_unit, settled_unit = factories.UnitFactory(), factories.UnitFactory()
    for other in (credit_unit, settled_unit):
        UnitGrant.objects.create(user=owner, unit=other, since=dt.date(2010, 1, 1), source=UnitGrant.Source.STAFF)
    _entry(unit, "300.00", due=dt.date(2026, 11, 15))
    _entry(unit, "12.40", kind=LedgerEntry.Kind.INTEREST)
    _entry(credit_unit, "-15.00", kind=LedgerEntry.Kind.PAYMENT)
    _entry(settled_unit, "100.00")
    _entry(settled_unit, "-100.00", kind=LedgerEntry.Kind.PAYMENT)
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert 'class="balance balance-due"' in html and "do zapłaty" in html and "312,40\xa0zł" in html
    assert 'class="balance balance-credit"' in html and "nadpłata" in html and "15,00\xa0zł" in html
    assert 'class="balance balance-settled"' in html and "rozliczone" in html
    assert f'href="/lokale/{unit.pk}/"' in html and f'href="/lokale/{credit_unit.pk}/"' in html


@time_machine.travel(TODAY, tick=False)
def test_next_due_payment_is_the_earliest_future_due_date_with_its_sum(client, owner, unit):
    _entry(unit, "200.00", booked=dt.date(2026, 11, 1), due=dt.date(2026, 11, 15))  # past due: in the balance
    _entry(unit, "150.00", booked=dt.date(2026, 11, 20), due=dt.date(2026, 12, 10))
    _entry(unit, "50.00", booked=dt.date(2026, 11, 20), due=dt.date(2026, 12, 10))
    _entry(unit, "70.00", booked=dt.date(2026, 11, 20), due=dt.date(2027, 1, 10))
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "Najbliższa płatność: <strong>200,00\xa0zł</strong> do 10.12.2026" in html


@time_machine.travel(TODAY, tick=False)
def test_data_as_of_is_the_last_successful_import(client, owner, unit):
    as_of = dt.datetime(2026, 11, 20, 22, 0, tzinfo=dt.UTC)
    ImportRun.objects.create(bundle="a", status=ImportRun.Status.IMPORTED, as_of=as_of, finished_at=timezone.now())
    ImportRun.objects.create(
        bundle="b", status=ImportRun.Status.REFUSED, as_of=as_of + dt.timedelta(days=1), finished_at=timezone.now()
    )
    client.force_login(owner)
    assert "Dane według stanu na 20.11.2026 23:00" in client.get("/").content.decode()


def test_previous_login_and_announcements_stay_on_the_dashboard(client, owner, unit):
    factories.AnnouncementFactory(title="Przerwa w dostawie wody w bloku")
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "Przerwa w dostawie wody w bloku" in html
    assert "To Twoje pierwsze logowanie." in html or "Poprzednie logowanie" in html


@time_machine.travel(TODAY, tick=False)
def test_a_user_whose_title_ended_gets_an_explanation_not_an_empty_shell(client, owner, unit):
    owner.grants.update(until=dt.date(2026, 6, 30))
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "Twoje konto nie ma teraz dostępu do żadnego lokalu." in html
    assert f"{unit} — dostęp zakończył się 30.06.2026" in html
    assert "tytułem prawnym" in html and 'href="/zgloszenia/"' in html
    assert client.get(f"/lokale/{unit.pk}/").status_code == 404


def test_a_user_never_granted_a_unit_is_told_how_access_is_given(client):
    user = factories.UserFactory()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "nie ma teraz dostępu do żadnego lokalu" in html and "biuro obsługi" in html
