"""E-correspondence (B5): documents listed per person, downloadable only by them."""

import pytest

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
