"""Settings of ``bench/pages.py``: the portal's own, with the bench's trivial view beside its pages."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_urls"
