"""Unique topic names, so tests never see each other's messages (imports nothing of pulsar)."""

from __future__ import annotations

import re
import uuid


def unique_topic(prefix: str = "t") -> str:
    """``persistent://public/default/<prefix>-<8 hex digits>``; ``prefix`` (e.g. a test's
    name) is reduced to letters, digits, ``_`` and ``-``, at most 80 of them."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", prefix).strip("-")[:80] or "t"
    return f"persistent://public/default/{safe}-{uuid.uuid4().hex[:8]}"
