"""Ids in URLs past the range of a bigint are a 404, never a 500 (issue 13, item 11).

The walk covers every URL pattern of the project that takes an id, the admin's included:
a new pattern joins it by itself."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404

from portal.converters import BIGINT_MAX, IdConverter

pytestmark = pytest.mark.django_db

TOO_BIG = "99999999999999999999"  # 20 digits, past 2**63 - 1
PROJECT_APPS = {"portal", "accounts", "billing", "meters", "tickets", "sync"}


def _routes(patterns=None, prefix: str = "", converters: tuple = ()):
    """(route text, converters, view's module) of every URL pattern, prefixes of includes joined."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        found = converters + tuple(getattr(pattern.pattern, "converters", {}).values())
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route, found)
        elif isinstance(pattern, URLPattern):
            yield prefix + route, found, pattern.callback.__module__


def _urls_with_ids() -> list[str]:
    urls = []
    for route, _converters, _module in _routes():
        if "<id:" not in route and "<int:" not in route:
            continue
        url = "/" + re.sub(r"<str:\w+>", "abc", re.sub(r"<(id|int):\w+>", TOO_BIG, route))
        assert "<" not in url, url
        urls.append(url)
    return urls


def test_no_url_pattern_of_the_project_takes_an_unbounded_int():
    unbounded = [
        route
        for route, converters, module in _routes()
        if module.split(".")[0] in PROJECT_APPS
        and any(type(c) is IntConverter for c in converters)
        # django-otp's own routes of the device admin (accounts.admin only wraps its views):
        # an out-of-range pk reaches the ORM, which finds nothing (404, tested below).
        and not route.startswith("admin/otp_totp/")
    ]
    assert unbounded == []


def test_the_walk_reaches_tenant_and_admin_urls():
    urls = _urls_with_ids()
    for expected in ("/lokale/", "/liczniki/", "/zgloszenia/", "/korespondencja/", "/druki/", "/admin/accounts/"):
        assert any(url.startswith(expected) for url in urls), expected


def test_an_id_is_bounded_to_bigint():
    converter = IdConverter()
    assert converter.to_python(str(BIGINT_MAX)) == BIGINT_MAX
    with pytest.raises(ValueError):
        converter.to_python(str(BIGINT_MAX + 1))
    assert resolve(f"/lokale/{BIGINT_MAX}/").kwargs == {"unit_id": BIGINT_MAX}
    with pytest.raises(Resolver404):
        resolve(f"/lokale/{BIGINT_MAX + 1}/")


def test_a_tenant_gets_404_for_every_out_of_range_id(client, owner):
    client.force_login(owner)
    for url in _urls_with_ids():
        response = client.get(url)
        if url.startswith("/admin/"):
            # Admin sends a tenant to its login page before looking at the path.
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url
        else:
            assert response.status_code == 404, url


def test_staff_get_404_for_every_out_of_range_id(staff_client):
    for url in _urls_with_ids():
        response = staff_client.get(url, follow=True)
        if url.startswith("/admin/") and response.redirect_chain:
            # No admin pattern matches, so admin's "<object id>/" catch-all takes it, and the
            # change page of a missing object goes back to the index with a message.
            assert response.redirect_chain[-1][0] == "/admin/", url
            assert "Nie znaleziono:" in response.content.decode(), url
        else:
            assert response.status_code == 404, url


def test_the_largest_bigint_is_an_ordinary_unknown_id(client, owner):
    client.force_login(owner)
    for url in (f"/lokale/{BIGINT_MAX}/", f"/lokale/{BIGINT_MAX}/faktury/{BIGINT_MAX}/", f"/liczniki/{BIGINT_MAX}/"):
        assert client.get(url).status_code == 404, url


def test_admin_change_pages_of_an_out_of_range_id_do_not_fail(staff_client):
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{TOO_BIG}/change/"
        assert staff_client.get(url).status_code in (302, 404), url
