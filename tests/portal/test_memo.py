"""The operator and which terms version is current are kept by each process for a while
(portal.memo): a change made in this process counts at once, one made elsewhere when the
kept value expires."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import TermsAcceptance, TermsVersion
from portal import memo
from portal.models import Operator
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_operator_shown_on_pages_is_read_once_and_again_after_it_is_saved(client, django_assert_num_queries):
    operator = factories.OperatorFactory(name="Spółdzielnia Pierwsza", short_name="")
    assert "Spółdzielnia Pierwsza" in client.get("/prywatnosc/").content.decode()
    with django_assert_num_queries(0):
        assert "Spółdzielnia Pierwsza" in client.get("/prywatnosc/").content.decode()
    operator.name = "Spółdzielnia Druga"
    operator.save()  # e.g. in the admin
    assert "Spółdzielnia Druga" in client.get("/prywatnosc/").content.decode()


def test_a_change_made_by_another_process_shows_when_the_kept_value_expires(client, settings, monkeypatch):
    operator = factories.OperatorFactory(name="Spółdzielnia Pierwsza", short_name="")
    assert "Spółdzielnia Pierwsza" in client.get("/prywatnosc/").content.decode()
    Operator.objects.filter(pk=operator.pk).update(name="Spółdzielnia Druga")  # no signal here: as elsewhere
    assert "Spółdzielnia Pierwsza" in client.get("/prywatnosc/").content.decode()
    later = memo.time.monotonic() + settings.PORTAL_MEMO_SECONDS + 1
    monkeypatch.setattr(memo.time, "monotonic", lambda: later)
    assert "Spółdzielnia Druga" in client.get("/prywatnosc/").content.decode()


def test_zero_seconds_reads_every_time(client, settings):
    settings.PORTAL_MEMO_SECONDS = 0
    operator = factories.OperatorFactory(name="Spółdzielnia Pierwsza", short_name="")
    assert "Spółdzielnia Pierwsza" in client.get("/prywatnosc/").content.decode()
    Operator.objects.filter(pk=operator.pk).update(name="Spółdzielnia Druga")
    assert "Spółdzielnia Druga" in client.get("/prywatnosc/").content.decode()


def test_accepted_terms_cost_no_query_after_the_first_request(client, owner):
    terms = factories.TermsVersionFactory()
    TermsAcceptance.objects.create(user=owner, terms=terms, accepted_at=timezone.now())
    client.force_login(owner)
    assert client.get("/prywatnosc/").status_code == 200
    assert client.get("/konto/").status_code == 200  # checked once, remembered in the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/konto/").status_code == 200
    assert queries.captured_queries
    assert not [q for q in queries.captured_queries if "accounts_terms" in q["sql"]]


def test_terms_published_in_this_process_are_enforced_at_the_next_request(client, owner):
    first = factories.TermsVersionFactory(version="1")
    TermsAcceptance.objects.create(user=owner, terms=first, accepted_at=timezone.now())
    client.force_login(owner)
    assert client.get("/konto/").status_code == 200
    factories.TermsVersionFactory(version="2", published_at=timezone.now() + dt.timedelta(seconds=1))
    assert client.get("/konto/")["Location"].startswith("/regulamin/akceptacja/")


def test_terms_published_by_another_process_are_enforced_when_the_kept_version_expires(
    client, owner, settings, monkeypatch
):
    first = factories.TermsVersionFactory(version="1")
    TermsAcceptance.objects.create(user=owner, terms=first, accepted_at=timezone.now())
    client.force_login(owner)
    assert client.get("/konto/").status_code == 200
    # bulk_create sends no signal: as a version published through another process.
    TermsVersion.objects.bulk_create(
        [TermsVersion(version="2", text="Nowy", published_at=timezone.now() + dt.timedelta(seconds=1))]
    )
    assert client.get("/konto/").status_code == 200
    later = memo.time.monotonic() + settings.PORTAL_MEMO_SECONDS + 1
    monkeypatch.setattr(memo.time, "monotonic", lambda: later)
    assert client.get("/konto/")["Location"].startswith("/regulamin/akceptacja/")
