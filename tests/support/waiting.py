"""Polling for a condition with a deadline."""

from __future__ import annotations

import time
from typing import Callable


def wait_until(
    predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.02
) -> bool:
    """Call ``predicate`` every ``interval`` s until it is true (True) or ``timeout`` s passed
    (False; it is called once more at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
