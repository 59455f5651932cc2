"""The operator is kept by each process for a while (portal.memo): a change made in this
process shows at once, one made elsewhere when the kept value expires."""

import pytest

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
