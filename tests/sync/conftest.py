import pytest

from tests.sync.bundles import Bundle


@pytest.fixture(autouse=True)
def _bundle_folders(settings, tmp_path):
    """Inbox, archive and outbox of the nightly exchange in a fresh folder for each test."""
    settings.BUNDLE_INBOX = tmp_path / "inbox"
    settings.BUNDLE_ARCHIVE = tmp_path / "archive"
    settings.BUNDLE_OUTBOX = tmp_path / "outbox"
    settings.STAFF_NOTIFY_EMAILS = ["bok@example.test"]


@pytest.fixture
def example(tmp_path) -> Bundle:
    """An editable copy of the example bundle (shared/examples/bundle-small)."""
    return Bundle.example(tmp_path)
