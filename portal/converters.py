"""Path converters shared by every urls.py.

``<id:…>`` is Django's ``<int:…>`` bounded to the range of a PostgreSQL ``bigint``
(the primary keys are ``BigAutoField``). An id past that range matches no URL, so it
is a 404 like any unknown id: with ``<int:…>`` it went on to the database driver,
which cannot send such a number as a bigint parameter (``OverflowError``, a 500).
"""

from __future__ import annotations

from django.urls.converters import IntConverter

BIGINT_MAX = 2**63 - 1


class IdConverter(IntConverter):
    # At most 19 digits in the pattern (BIGINT_MAX has 19); the value itself is checked below.
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > BIGINT_MAX:
            raise ValueError("id out of the bigint range")  # no match: the resolver answers 404
        return number
