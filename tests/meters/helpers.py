"""Posting the reading form as a browser does: the token comes from the rendered form."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.meters.conftest import TODAY

_TOKEN = re.compile(r'name="token" value="([^"]+)"')


def form_token(client, meter) -> str:
    response = client.get(reverse("meters:submit", args=[meter.pk]))
    assert response.status_code == 200
    return _TOKEN.search(response.content.decode()).group(1)


def post_reading(client, meter, value, *, read_on=TODAY, token=None, photo=None, confirm=None, follow=False):
    data = {"value": value, "read_on": read_on.isoformat(), "token": token or form_token(client, meter)}
    if photo is not None:
        data["photo"] = photo
    if confirm is not None:
        data["confirm"] = "on"
        data["confirm_value"] = confirm
    return client.post(reverse("meters:submit", args=[meter.pk]), data, follow=follow)


def token_in(response) -> str:
    return _TOKEN.search(response.content.decode()).group(1)
