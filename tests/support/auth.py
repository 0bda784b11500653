"""Authentication objects of every kind, made fresh for each test (no broker checks them
unless it has authentication on)."""

from __future__ import annotations

import json
from typing import Callable

import pulsar

OAUTH2_PARAMS = json.dumps(
    {
        "issuer_url": "https://127.0.0.1:1/",
        "private_key": "/nonexistent/credentials.json",
        "audience": "urn:test",
    }
)

AUTH_FACTORIES: dict[str, Callable[[], pulsar.Authentication]] = {
    "token-str": lambda: pulsar.AuthenticationToken("header.payload.signature"),
    "token-callable": lambda: pulsar.AuthenticationToken(lambda: "header.payload.signature"),
    "tls": lambda: pulsar.AuthenticationTLS("/nonexistent/cert.pem", "/nonexistent/key.pem"),
    "basic": lambda: pulsar.AuthenticationBasic("user", "secret"),
    "oauth2": lambda: pulsar.AuthenticationOauth2(OAUTH2_PARAMS),
    "plugin": lambda: pulsar.Authentication("token", "token:header.payload.signature"),
}
