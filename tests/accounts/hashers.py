"""A hasher that counts password checks, for the lockout race test."""

from __future__ import annotations

import threading

from django.contrib.auth.hashers import Argon2PasswordHasher


class CountingArgon2Hasher(Argon2PasswordHasher):
    """Argon2 (same algorithm name, so existing hashes use it) counting every ``verify``."""

    _lock = threading.Lock()
    checks = 0

    def verify(self, password: str, encoded: str) -> bool:
        with CountingArgon2Hasher._lock:
            CountingArgon2Hasher.checks += 1
        return super().verify(password, encoded)

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.checks = 0
