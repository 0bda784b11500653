"""The dispatcher thread: where send_async callbacks and libpulsar's log lines run.

libpulsar's threads never take the GIL: they queue completions in C++, and this
Python-owned daemon thread serves them in batches with the GIL held. It starts
with the first Client and stops, after serving what is queued, when the last open
Client is closed (so that `threading.active_count()` is back to what it was, as
with pulsar-client), or at interpreter exit (a flush() or close() called later, from
an atexit handler, serves the remaining callbacks on its own thread). A Client
dropped without close() keeps it running: its producers and consumers still work.

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
_creating = 0  # Clients between client_starting() and client_started(); under _lock
_stopping = False  # _thread was asked to stop (after the last client closed); under _lock
_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


def client_starting() -> None:
    """Before a Client is made: start the dispatcher thread unless it is running; it keeps
    running at least until client_started()."""
    global _creating
    with _lock:
        _creating += 1
        try:
            _ensure_started_locked()
        except BaseException:
            _creating -= 1
            raise


def client_started() -> None:
    """After a Client was made, or failed to be: it counts by itself from now on."""
    global _creating
    with _lock:
        _creating -= 1
    if _core._dispatch_users() == 0:
        client_closed()  # its construction failed, and no other client is open


def client_closed() -> None:
    """After a Client closed: once no client is open, stop the dispatcher thread (it serves
    what is queued first) and serve here what libpulsar queued after it stopped. From a
    callback on the dispatcher thread, the thread stops after the callback returns."""
    global _thread, _stopping
    with _lock:
        thread = _thread
        if _creating > 0 or _core._dispatch_users() > 0 or thread is None:
            return
        _core._dispatch_stop()
        _stopping = True
        if thread is threading.current_thread():
            return
        thread.join(timeout=_STOP_TIMEOUT_S)
        if thread.is_alive():
            return  # a callback blocks it: it stops when that returns
        _thread = None
        _stopping = False
        _core._dispatch_serve_pending()


def _ensure_started_locked() -> None:
    global _thread, _stopping
    if _thread is not None and _thread.is_alive():
        if not _stopping and _core._dispatch_running():
            return
        if _stopping and _thread is threading.current_thread():
            # A callback closed the last client, then made a new one: keep serving.
            _core._dispatch_cancel_stop()
            _stopping = False
            return
        if _stopping:
            _thread.join(timeout=_STOP_TIMEOUT_S)  # it serves what is queued, then returns
            if _thread.is_alive():
                raise RuntimeError(
                    "the pulsar dispatcher thread does not stop: a callback still runs"
                )
    _stopping = False
    _thread = threading.Thread(target=_core._dispatch_run, name="pulsar-dispatcher", daemon=True)
    _thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not _core._dispatch_running():
        if not _thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the pulsar dispatcher thread failed to start")
        time.sleep(0.001)


def _stop() -> None:
    _core._forbid_gil_for_callbacks()
    thread = _thread
    if thread is not None and thread.is_alive():
        _core._dispatch_stop()
        thread.join(timeout=_START_TIMEOUT_S)
    # Last: the dispatcher thread waits through GilRelease too.
    _core._park_threads_at_exit()


def _after_fork_in_child() -> None:
    global _lock, _thread, _creating, _stopping
    _lock = threading.Lock()  # the parent's may have been held by another thread
    _thread = None
    _creating = 0
    _stopping = False
    _core._after_fork_in_child()


atexit.register(_stop)
os.register_at_fork(after_in_child=_after_fork_in_child)
