"""Child process of ``test_embedded_try_out``: command 1's data on the embedded SQLite database,
then every page a tenant and a clerk reach by following links, with the status of each.

    python -m tests.portal.embedded_walk OUT.json   (DATABASE_URL=sqlite:///…, DEBUG=1 DEMO=1)
"""

from __future__ import annotations

import json
import re
import sys
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import django

LINK = re.compile(r'href="(/[^"]*)"')
# Links that end the session or leave the HTML pages (files are not what this walk checks).
SKIP = re.compile(r"^/(static/|media/)|/wyloguj/|/pdf/|/xml/|/csv/|\.(pdf|csv|xml|png|ico)$|/admin/logout/")


def crawl(client, start: str, *, prefix: str, limit: int) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.status_code
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for link in LINK.findall(response.content.decode()):
            link = urldefrag(link.replace("&amp;", "&"))[0]
            if link.startswith(prefix) and not SKIP.search(urlsplit(link).path) and link not in seen:
                queue.append(link)
    return seen


def main(out: Path) -> None:
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from portal.management.commands.seed_demo import STAFF_PASSWORD, STAFF_STATIC_TOKENS, TENANT_PASSWORD

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    tenant = Client(raise_request_exception=False)
    assert tenant.post("/logowanie/", {"username": "demo.lokator", "password": TENANT_PASSWORD}).status_code == 302
    pages = crawl(tenant, "/", prefix="/", limit=250)
    staff = Client(raise_request_exception=False)
    staff.post("/admin/login/", {"username": "demo.obsluga", "password": STAFF_PASSWORD, "kod": STAFF_STATIC_TOKENS[0]})
    admin = crawl(staff, "/admin/", prefix="/admin/", limit=120)
    out.write_text(json.dumps({"tenant": pages, "admin": admin}), "utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
