"""Ctrl-C sent to the main thread during a test, with Python's handler installed whatever
the runner left (a background job or nohup may have SIGINT ignored)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

RESCUE_AFTER_S = 8.0


@contextmanager
def sigint_after(
    delay: float,
    rescue: Callable[[], object] | None = None,
    handler: Callable[[int, Any], Any] = signal.default_int_handler,
) -> Iterator[dict[str, float]]:
    """Send SIGINT to the main thread after ``delay`` s, with ``handler`` installed (Python's
    default one unless said: a runner may have SIGINT ignored); run ``rescue`` (if any:
    what ends the wait when the signal did not) after RESCUE_AFTER_S. Yields a dict whose "sent" entry is the monotonic time of the signal."""
    main = threading.main_thread().ident
    assert main is not None
    previous = signal.signal(signal.SIGINT, handler)
    when: dict[str, float] = {}

    def interrupt() -> None:
        when["sent"] = time.monotonic()
        signal.pthread_kill(main, signal.SIGINT)

    killer = threading.Timer(delay, interrupt)
    rescuer = None if rescue is None else threading.Timer(RESCUE_AFTER_S, rescue)
    killer.start()
    if rescuer is not None:
        rescuer.start()
    try:
        yield when
    finally:
        if rescuer is not None:
            rescuer.cancel()
        killer.join()
        signal.signal(signal.SIGINT, previous)
