"""Rarely changing values that every page needs, kept by each process for a short while.

Every page shows the operator (the layout; a tenant page's transfer details too) and every
tenant request checks the current terms version (accounts.middleware); both change a few
times a year, yet reading them was two queries of every page. A ``Memo`` keeps what it
read for ``PORTAL_MEMO_SECONDS`` (60 s by default; 0 reads every time). A change made in
this process (saved in the admin) clears it at once (see the apps' ``ready()``); other
processes see the change when their copy expires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
_ALL: list[Memo[Any]] = []


class Memo(Generic[T]):
    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._value: T | None = None
        self._until = 0.0
        _ALL.append(self)

    def get(self) -> T:
        now = time.monotonic()
        if now < self._until:
            return self._value  # type: ignore[return-value]
        value = self._load()
        self._value, self._until = value, now + settings.PORTAL_MEMO_SECONDS
        return value

    def clear(self, **_signal_kwargs: object) -> None:
        """Read again on the next ``get()`` (usable as a signal receiver)."""
        self._until = 0.0

    def clear_when_changed(self, model: type[Model], *, uid: str) -> None:
        """Clear on every save or delete of a ``model`` row in this process, so a change made
        here counts at once (call from the app's ``ready()``; ``uid`` keeps it connected once)."""
        post_save.connect(self.clear, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(self.clear, sender=model, dispatch_uid=f"{uid}.delete")


def clear_all() -> None:
    """Forget every kept value (tests: each starts from its own database state)."""
    for memo in _ALL:
        memo.clear()
