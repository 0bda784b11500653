"""HS256 JSON Web Tokens, as the broker's ``AuthenticationProviderToken`` accepts them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

# The super-user role of a broker with token authentication (superUserRoles).
ADMIN_ROLE = "admin"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(secret: bytes, subject: str, expires_in: float | None = None) -> str:
    """An HS256 JWT ``{"sub": subject}`` (and ``exp``, ``expires_in`` seconds from now)."""
    header = {"alg": "HS256", "typ": "JWT"}
    claims: dict[str, Any] = {"sub": subject}
    if expires_in is not None:
        claims["exp"] = int(time.time() + expires_in)
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"
