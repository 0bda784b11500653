"""The dispatcher threads: where callbacks, listeners and libpulsar's log lines run.

libpulsar's threads never take the GIL: they queue what they hand back in C++, and
Python-owned daemon threads serve it in batches with the GIL held, each a lane of the
dispatcher (src/runtime/dispatcher.hpp):

- `pulsar-dispatcher` (lane 0): send_async callbacks and the other completions, libpulsar's
  log lines, references released by libpulsar's threads.
- `pulsar-listener-0`, `pulsar-listener-1`, ... (lanes 1, 2, ...): message listeners,
  reader listeners and table-view callbacks. Each consumer's (reader's, table view's)
  items run on one of them, in order; a slow listener holds up only the listeners sharing
  its thread, never a send callback or a flush(). A Client's listener queues go round
  robin over the first `message_listener_threads` of them, as libpulsar assigns consumers
  to a client's listener threads. The threads are shared by the process's Clients: there
  are as many as the largest `message_listener_threads` of the Clients made since they
  started, and a Client with N never has its listeners run on more than N threads.

They start with the first Client and stop, after serving what is queued, when the last
Client is gone: closed, or dropped without close() and collected with every producer,
consumer, reader and table view it made (so that `threading.active_count()` is back to
what it was, as with pulsar-client); a Client dropped while its producers or consumers
are still referenced keeps them working, and the threads with them. They also stop at
interpreter exit (a flush() or close() called later, from an atexit handler, serves the
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
_threads: dict[int, threading.Thread] = {}  # lane -> the thread serving it; under _lock
_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


def client_starting(listener_threads: int = 1) -> None:
    """Before a Client is made: start the dispatcher's threads unless they run (the main
    one and `listener_threads` listener threads at least); they keep running at least until
    client_started()."""
    with _lock:
        _core._dispatch_add_user()  # takes back a stop asked for when the last client went
        try:
            _ensure_started_locked(listener_threads)
        except BaseException:
            _core._dispatch_remove_user()
            raise


def client_started() -> None:
    """After a Client was made, or failed to be: it counts by itself from now on."""
    _core._dispatch_remove_user()
    if _core._dispatch_users() == 0:
        client_closed()  # its construction failed, and no other client is open


def client_closed() -> None:
    """After a Client closed: once no client is open, wait for the dispatcher's threads to
    stop (they were asked to when the last client went, and serve what is queued first)
    and serve here what libpulsar queued after they stopped. From a callback or a listener
    on one of them, they stop after it returns."""
    with _lock:
        threads = list(_threads.values())
        if _core._dispatch_users() > 0 or not threads:
            return
        if threading.current_thread() in threads:
            return
        deadline = time.monotonic() + _STOP_TIMEOUT_S
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in threads):
            return  # a callback blocks one: it stops when that returns
        _threads.clear()
        _core._dispatch_serve_pending()


def _thread_name(lane: int) -> str:
    return "pulsar-dispatcher" if lane == 0 else f"pulsar-listener-{lane - 1}"


def _ensure_started_locked(listener_threads: int) -> None:
    started: list[int] = []
    for lane in range(listener_threads + 1):
        thread = _threads.get(lane)
        if thread is not None and thread.is_alive():
            if _core._dispatch_running(lane):
                continue  # serving (_dispatch_add_user took back a stop it was asked)
            # It stopped after the last client went, and is on its way out.
            thread.join(timeout=_STOP_TIMEOUT_S)
            if thread.is_alive():
                raise RuntimeError(
                    f"the pulsar thread {thread.name} does not stop: a callback still runs"
                )
        thread = threading.Thread(
            target=_core._dispatch_run, args=(lane,), name=_thread_name(lane), daemon=True
        )
        _threads[lane] = thread
        thread.start()
        started.append(lane)
    deadline = time.monotonic() + _START_TIMEOUT_S
    for lane in started:
        while not _core._dispatch_running(lane):
            if not _threads[lane].is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the pulsar thread {_thread_name(lane)} failed to start")
            time.sleep(0.001)


def _stop() -> None:
    _core._forbid_gil_for_callbacks()
    threads = [thread for thread in _threads.values() if thread.is_alive()]
    if threads:
        _core._dispatch_stop()
        deadline = time.monotonic() + _START_TIMEOUT_S
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
    # Last: the dispatcher's threads wait through GilRelease too.
    _core._park_threads_at_exit()


def _after_fork_in_child() -> None:
    global _lock, _threads
    _lock = threading.Lock()  # the parent's may have been held by another thread
    _threads = {}
    _core._after_fork_in_child()


atexit.register(_stop)
os.register_at_fork(after_in_child=_after_fork_in_child)
