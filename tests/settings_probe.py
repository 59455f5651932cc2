"""A setting as a fresh process computes it from its environment (settings are read once per process)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_value(expression: str, *, unset: Iterable[str] = (), **env: str) -> str:
    """``expression`` (e.g. ``settings.EMAIL_BACKEND``) printed by a new process with the test
    command's environment, less ``unset``, plus ``env``."""
    dropped = set(unset)
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    result = subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print({expression})"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()
