"""The dispatcher thread: where send_async callbacks and libpulsar's log lines run.

libpulsar's threads never take the GIL: they queue completions in C++, and this
Python-owned daemon thread serves them in batches with the GIL held. It starts
with the first Client and is stopped at interpreter exit after serving what is
queued (a flush() or close() called later, from an atexit handler, serves the
remaining callbacks on its own thread).

After os.fork(), the child has none of the parent's threads: it gets a fresh
dispatcher, started by its first Client; objects inherited from the parent raise
AlreadyClosed there.
"""

from __future__ import annotations

import atexit
import os
import threading
import time

from pulsar import _core

_lock = threading.Lock()
_thread: threading.Thread | None = None
_START_TIMEOUT_S = 10.0


def ensure_started() -> None:
    """Start the dispatcher thread unless it is running."""
    global _thread
    with _lock:
        if _thread is not None and _thread.is_alive() and _core._dispatch_running():
            return
        _thread = threading.Thread(
            target=_core._dispatch_run, name="pulsar-dispatcher", daemon=True
        )
        _thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not _core._dispatch_running():
            if not _thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the pulsar dispatcher thread failed to start")
            time.sleep(0.001)


def _stop() -> None:
    _core._forbid_gil_for_callbacks()
    thread = _thread
    if thread is None or not thread.is_alive():
        return
    _core._dispatch_stop()
    thread.join(timeout=_START_TIMEOUT_S)


def _after_fork_in_child() -> None:
    global _lock, _thread
    _lock = threading.Lock()  # the parent's may have been held by another thread
    _thread = None
    _core._after_fork_in_child()


atexit.register(_stop)
os.register_at_fork(after_in_child=_after_fork_in_child)
