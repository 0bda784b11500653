"""The errors of the standalone launcher; each message says what is missing or what failed."""

from __future__ import annotations


class StandaloneError(RuntimeError):
    """The broker could not be obtained or started (the message says why)."""


class ToolMissing(StandaloneError):
    """Java or Maven is missing or unusable."""
