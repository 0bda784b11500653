"""How pulsar.asyncio meets an event loop.

libpulsar's threads, which never take the GIL, queue each completion on the loop's
pulsar._core.LoopSink and write one byte to its wake-up pipe when the queue was empty; the
loop watches the pipe (add_reader) and drains the queue on its own thread: one wake-up per
batch, whatever the number of futures it settles, and no hand-over through the dispatcher
thread. `resolve` settles them. A "future" here is anything with done(), set_result() and
set_exception(): the consumers' receive targets are not futures.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pulsar import _core
from pulsar import exceptions as _sync
from pulsar.asyncio._errors import async_error
from pulsar.asyncio._future import SendFuture

T = TypeVar("T")


class Target(Protocol):
    def done(self) -> bool: ...
    def set_result(self, value: Any) -> None: ...
    def set_exception(self, error: BaseException) -> None: ...


def resolve(items: list[Any]) -> None:
    """On the loop's thread: settle each target with its value or error. `items` is flat:
    target, error, value, target, ... A target already done (a cancelled await) is told
    nothing; the consumers' own targets never are done."""
    it = iter(items)
    target: Target
    error: BaseException | None
    for target, error, value in zip(it, it, it):
        if target.done():
            continue
        if error is None:
            target.set_result(value)
        else:
            target.set_exception(async_error(error))


class LoopBridge:
    """One event loop's LoopSink, kept while the loop is open. Every completion comes
    straight from libpulsar's thread through the sink's wake-up pipe, which the loop
    watches.

    `by_thread_id`: the loop is an asyncio.BaseEventLoop, whose `_thread_id` is the ident of
    the thread running it and None when it is not running; `loop._thread_id ==
    threading.get_ident()` then says the loop is the running loop of this thread, for a
    third of what asyncio.get_running_loop() costs on Python 3.9 to 3.11 (a getpid() system
    call on each; Producer.send asks it for every message). Other loops (uvloop) are asked
    get_running_loop()."""

    __slots__ = ("by_thread_id", "loop", "sink")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.by_thread_id = isinstance(loop, asyncio.BaseEventLoop)
        self.sink = _core.LoopSink(SendFuture, loop, resolve)
        loop.add_reader(self.sink.fileno(), self.sink.drain)

    def new_future(self) -> SendFuture:
        return SendFuture(loop=self.loop)


_bridges: dict[int, LoopBridge] = {}  # by id(loop); a closed loop's is dropped
_bridges_lock = threading.Lock()


def bridge_of(loop: asyncio.AbstractEventLoop) -> LoopBridge:
    """The bridge of `loop`, made on first use. On the loop's thread (add_reader)."""
    with _bridges_lock:
        found = _bridges.get(id(loop))
        if found is None or found.loop is not loop:
            for key, bridge in list(_bridges.items()):
                if bridge.loop.is_closed():
                    del _bridges[key]
            found = LoopBridge(loop)
            _bridges[id(loop)] = found
        return found


def current_bridge() -> LoopBridge:
    """The running loop's bridge (RuntimeError when no loop runs)."""
    return bridge_of(asyncio.get_running_loop())


async def complete(start: Callable[[_core.LoopSink, SendFuture], object]) -> Any:
    """Starts an operation of the core, `start(sink, future)`, and awaits its outcome. A
    failure to start raises as the outcome would (pulsar.asyncio's classes)."""
    bridge = current_bridge()
    future = bridge.new_future()
    try:
        start(bridge.sink, future)
    except _sync.PulsarException as error:
        raise async_error(error) from None
    return await future
