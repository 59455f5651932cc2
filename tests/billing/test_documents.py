"""E-correspondence (B5): documents listed per person, downloadable only by them."""

import datetime as dt

import pytest

from billing.models import Document, DocumentRead
from billing.services import document_mark_read, document_reads_prune
from portal.formats import polish_quotes
from tests import factories
from tests.factories import MINIMAL_PDF

pytestmark = pytest.mark.django_db


def test_a_user_sees_and_downloads_the_documents_addressed_to_their_person(client, owner, buyer):
    mine = factories.DocumentFactory(person=buyer, title="Zawiadomienie o wysokości opłat od 1 stycznia")
    someone_elses = factories.DocumentFactory(person=factories.PersonFactory(), title="Wezwanie do zapłaty — sąsiad")
    client.force_login(owner)
    html = client.get("/korespondencja/").content.decode()
    assert mine.title in html and someone_elses.title not in html
    response = client.get(f"/korespondencja/{mine.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert "attachment" in response["Content-Disposition"]
    assert client.get(f"/korespondencja/{someone_elses.pk}/").status_code == 404


def test_a_co_owner_of_the_unit_cannot_open_the_owners_letters(client, owner, co_owner, unit, buyer):
    letter = factories.DocumentFactory(person=buyer, unit=unit)
    co_owner.person = factories.PersonFactory()
    co_owner.save()
    client.force_login(co_owner)
    assert letter.title not in client.get("/korespondencja/").content.decode()
    assert client.get(f"/korespondencja/{letter.pk}/").status_code == 404


def test_an_account_without_a_person_has_an_empty_list_with_a_hint(client, owner):
    client.force_login(owner)
    html = client.get("/korespondencja/").content.decode()
    assert "Nie ma jeszcze korespondencji dla Ciebie." in html
    assert "włącz e-korespondencję" in html


def test_a_document_whose_file_is_gone_is_not_found_rather_than_an_error(client, owner, buyer):
    letter = factories.DocumentFactory(person=buyer)
    letter.file.storage.delete(letter.file.name)
    client.force_login(owner)
    assert client.get(f"/korespondencja/{letter.pk}/").status_code == 404


def test_each_letter_says_which_unit_it_concerns_or_that_it_concerns_all_units(client, owner, unit, buyer):
    garage = factories.UnitFactory(kind="garage", unit_no="G7")
    owner.grants.create(unit=garage, since=dt.date(2010, 1, 1), source="staff")
    title = "Zawiadomienie o zmianie opłat"
    for concerns in (unit, garage, None):
        factories.DocumentFactory(person=buyer, unit=concerns, title=title)
    client.force_login(owner)
    html = client.get("/korespondencja/").content.decode()
    items = html.split('<ul class="document-list">', 1)[1].split("</ul>", 1)[0].split("<li")[1:]
    assert len(items) == 3 and all(title in item for item in items)
    assert [sum(f"Lokal: {concerns}" in item for item in items) for concerns in (unit, garage)] == [1, 1]
    assert sum("Dotyczy: wszystkie Twoje lokale" in item for item in items) == 1


def test_a_letter_shows_as_unread_until_the_user_opens_it(client, owner, co_owner, buyer):
    letter = factories.DocumentFactory(person=buyer)
    co_owner.person = buyer  # another account of the same person reads on its own
    co_owner.save()
    client.force_login(owner)
    assert "nieprzeczytany" in client.get("/korespondencja/").content.decode()
    b"".join(client.get(f"/korespondencja/{letter.pk}/").streaming_content)
    b"".join(client.get(f"/korespondencja/{letter.pk}/").streaming_content)  # a second download: one mark
    html = client.get("/korespondencja/").content.decode()
    assert "nieprzeczytany" not in html and "przeczytany" in html
    assert DocumentRead.objects.filter(document=letter).count() == 1
    client.force_login(co_owner)
    assert "nieprzeczytany" in client.get("/korespondencja/").content.decode()


def test_titles_show_polish_typographic_quotes(client, owner, buyer):
    factories.DocumentFactory(person=buyer, title='Uchwała w sprawie "Regulaminu rozliczeń" i „taryfy"')
    client.force_login(owner)
    html = client.get("/korespondencja/").content.decode()
    assert "Uchwała w sprawie „Regulaminu rozliczeń” i „taryfy”" in html


def test_quotes_are_made_polish_in_pairs_and_an_unpaired_one_is_left_alone():
    assert polish_quotes('Wezwanie "pilne"') == "Wezwanie „pilne”"
    assert polish_quotes("„Nowe Źródło“ i „Stare”") == "„Nowe Źródło” i „Stare”"
    assert polish_quotes('Wymiar 5" rury') == 'Wymiar 5" rury'


def test_read_marks_of_letters_the_back_office_no_longer_sends_are_forgotten(owner, buyer):
    kept, gone = factories.DocumentFactory(person=buyer), factories.DocumentFactory(person=buyer)
    for letter in (kept, gone):
        document_mark_read(user=owner, document=letter)
    Document.objects.filter(pk=gone.pk).delete()
    assert document_reads_prune() == 1
    assert list(DocumentRead.objects.values_list("document_id", flat=True)) == [kept.external_id]
