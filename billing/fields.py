"""Model fields for the back-office's identifiers."""

from __future__ import annotations

from typing import Any

from django.db import models


class BackOfficeIdField(models.CharField):
    """An id the back-office issues (``U0000001``, ``E0000000001``): an opaque code, compared
    byte by byte. On PostgreSQL the column gets the ``"C"`` collation: a database created with a
    language's locale (``pl_PL.UTF-8``, even ``C.UTF-8``) would otherwise compare these codes
    with the locale's rules, several times slower, in every join of the nightly import and in
    the million-row index builds of a full bundle. The foreign keys that point at these columns
    (``to_field``) inherit the collation. SQLite compares bytes already."""

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
