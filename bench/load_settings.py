"""Settings of the month-end load (``bench/load.py``): the portal's own, with the session
storage chosen by the environment so that one run can show before and after.

- ``SESSION_ENGINE``: a Django session backend (e.g. ``django.contrib.sessions.backends.cache``);
  absent = the portal's setting.
- ``SESSION_SAVE_EVERY_REQUEST``: ``1``/``0``; absent = the portal's setting.
- ``BENCH_CACHE_URL``: a Redis URL for the default cache (the cache session backends need a
  cache shared by all workers); absent = the portal's caches.

It also puts ``bench/load_timing.py``'s middleware first: each response says the CPU and query
time the server spent on it (the load tool reads them; the portal itself has no such headers).
"""

import os

from portal.settings import *  # noqa: F403

if os.environ.get("SESSION_ENGINE"):
    SESSION_ENGINE = os.environ["SESSION_ENGINE"]
if os.environ.get("SESSION_SAVE_EVERY_REQUEST") in ("0", "1"):
    SESSION_SAVE_EVERY_REQUEST = os.environ["SESSION_SAVE_EVERY_REQUEST"] == "1"
if os.environ.get("BENCH_CACHE_URL"):
    CACHES = {
        **CACHES,  # noqa: F405
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["BENCH_CACHE_URL"],
        },
    }

# The server's own cost of each request, in headers the load tool reads (bench/load_timing.py).
MIDDLEWARE = ["bench.load_timing.ServerTiming", *MIDDLEWARE]  # noqa: F405
