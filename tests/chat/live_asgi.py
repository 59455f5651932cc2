"""The ASGI application as the end-to-end chat test serves it with daphne in its own process:
the portal's own application, at the moment EBOK_CHAT_TEST_NOW names (the clock then runs on),
so that one server is inside office hours and another outside them."""

import datetime as dt
import os

if os.environ.get("EBOK_CHAT_TEST_NOW"):
    import time_machine

    time_machine.travel(dt.datetime.fromisoformat(os.environ["EBOK_CHAT_TEST_NOW"]), tick=True).start()

from portal.asgi import application  # noqa: F401 - after the clock is set
