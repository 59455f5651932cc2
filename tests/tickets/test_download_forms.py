"""Forms to download (D5): staff upload PDFs (checked by content); a public page lists them."""

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from tests.factories import DownloadFormFactory
from tests.tickets.helpers import EXE_BYTES, PDF_BYTES, stored_files, upload
from tickets.models import DownloadForm

pytestmark = pytest.mark.django_db
ADD = reverse("admin:tickets_downloadform_add")


def _post(staff_client, file):
    return staff_client.post(
        ADD,
        {
            "title": "Wniosek o zmianę liczby osób",
            "description": "Złóż w biurze lub wyślij skan.",
            "file": file,
            "is_published": "on",
            "position": "0",
            "_save": "Zapisz",
        },
    )


def test_staff_upload_a_pdf_form_under_a_random_name(staff_client, staff):
    response = _post(staff_client, upload("Wniosek 2026.pdf", PDF_BYTES, "application/pdf"))
    assert response.status_code == 302
    form = DownloadForm.objects.get()
    assert form.file.name.startswith("forms/") and "Wniosek" not in form.file.name
    assert form.size == len(PDF_BYTES)
    assert AuditEntry.objects.get(action="download_form.upload").actor == staff


@pytest.mark.parametrize(
    ("name", "data"),
    [("wniosek.pdf", EXE_BYTES), ("wniosek.pdf", b"<html>nie pdf</html>"), ("skan.jpg", b"\xff\xd8\xff\xe0xx")],
)
def test_anything_but_a_pdf_is_refused(staff_client, name, data):
    response = _post(staff_client, upload(name, data, "application/pdf"))
    assert f"Plik „{name}” nie jest dokumentem PDF. Dodaj plik PDF." in response.content.decode()
    assert DownloadForm.objects.count() == 0 and stored_files() == []


def test_public_page_lists_published_forms_and_serves_them(client):
    form = DownloadFormFactory(title="Deklaracja śmieciowa", description="Opis <b>druku</b>")
    DownloadFormFactory(title="Szkic wewnętrzny", is_published=False)
    html = client.get(reverse("tickets:forms")).content.decode()
    assert "Deklaracja śmieciowa" in html and "Szkic wewnętrzny" not in html
    assert "&lt;b&gt;druku" in html
    response = client.get(reverse("tickets:form_file", args=[form.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="deklaracja-smieciowa.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_unpublished_form_is_404(client):
    form = DownloadFormFactory(is_published=False)
    assert client.get(reverse("tickets:form_file", args=[form.pk])).status_code == 404


def test_replacing_or_deleting_a_form_removes_the_old_file_and_is_audited(
    staff_client, django_capture_on_commit_callbacks
):
    form = DownloadFormFactory()
    old_name = form.file.name
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:tickets_downloadform_change", args=[form.pk]),
            {
                "title": form.title,
                "description": "",
                "file": upload("nowy.pdf", PDF_BYTES + b"%nowa wersja", "application/pdf"),
                "is_published": "on",
                "position": "0",
                "_save": "Zapisz",
            },
        )
    form.refresh_from_db()
    assert form.file.name != old_name
    assert [p.name for p in stored_files()] == [form.file.name.rsplit("/", 1)[-1]]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:tickets_downloadform_delete", args=[form.pk]), {"post": "yes"})
    assert DownloadForm.objects.count() == 0 and stored_files() == []
    assert AuditEntry.objects.filter(action__in=["download_form.change", "download_form.delete"]).count() == 2
