"""A photo waiting for the second step of the reading form.

When a reading asks the tenant to confirm an implausible consumption, the photo
they attached (already checked: JPEG/PNG by content) is kept in the private
storage under the form's one-use token until they confirm, so they need not
choose it again. The session remembers which token's photo is theirs. Photos
nobody confirmed are removed after a day (``photo_stash_purge``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils import timezone

from portal import files

STASH_DIR = "meters/pending"
_SESSION_KEY = "meters_pending_photos"
STASH_HOURS = 24


@dataclass(frozen=True)
class StashedPhoto:
    path: str
    filename: str
    content_type: str

    def open(self) -> UploadedFile:
        # An UploadedFile like the form's own photo, so the view hands the service one type.
        handle = default_storage.open(self.path, "rb")
        return UploadedFile(handle, name=self.filename, content_type=self.content_type, size=handle.size)


def photo_stash(request: HttpRequest, *, token: str, upload: UploadedFile) -> StashedPhoto:
    """Keep a checked photo for the form with ``token`` (replacing one kept before).

    Kept re-encoded like a stored photo (portal.files.image_reencoded): not even for a day
    does the storage hold the phone's EXIF/GPS data or anything appended to the image. The
    upload's ``content_type`` is the one its content was checked to be (meters.forms)."""
    content_type = upload.content_type
    if content_type is None:
        raise ValueError("photo_stash takes a photo the form has checked (it sets content_type)")
    photo_discard(request, token=token)
    clean = files.image_reencoded(upload, content_type, name="zdjecie-licznika")
    path = default_storage.save(f"{STASH_DIR}/{token}", clean)
    stashed = StashedPhoto(path=path, filename=upload.name or "zdjecie", content_type=content_type)
    pending = request.session.get(_SESSION_KEY, {})
    pending[token] = {"path": stashed.path, "filename": stashed.filename, "content_type": stashed.content_type}
    request.session[_SESSION_KEY] = pending
    return stashed


def photo_stashed(request: HttpRequest, *, token: str) -> StashedPhoto | None:
    entry = request.session.get(_SESSION_KEY, {}).get(token)
    if not entry or not default_storage.exists(entry["path"]):
        return None
    return StashedPhoto(**entry)


def photo_discard(request: HttpRequest, *, token: str) -> None:
    pending = request.session.get(_SESSION_KEY, {})
    entry = pending.pop(token, None)
    if entry:
        default_storage.delete(entry["path"])
        request.session[_SESSION_KEY] = pending


def photo_stash_purge(now: dt.datetime | None = None) -> int:
    """Remove photos kept for a second step nobody finished within STASH_HOURS."""
    now = now or timezone.now()
    try:
        _dirs, names = default_storage.listdir(STASH_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        path = f"{STASH_DIR}/{name}"
        if default_storage.get_modified_time(path) < now - dt.timedelta(hours=STASH_HOURS):
            default_storage.delete(path)
            removed += 1
    return removed
