"""The line of receives of one consumer or reader (pulsar.asyncio).

A message libpulsar already holds is taken at once (no future, no loop wake-up).
Otherwise the caller waits in line: one libpulsar receive is in flight at a time, and what
it brings goes to the first caller still waiting; the next ones are served from what
libpulsar holds by then, or by the next receive in flight. A cancelled (or timed out) wait
leaves the line; a message that arrives for nobody is kept for the next caller, so
cancelling never loses a message, and messages keep their order.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Callable

from pulsar import _core
from pulsar import exceptions as _sync
from pulsar.asyncio._errors import async_error, timeout_error
from pulsar.asyncio._loop import LoopBridge, bridge_of


class ReceiveLine:
    """`take()` (the core's _try_receive / _try_read_next: a message or None, never waits)
    and `start(sink, target)` (its _receive_async / _read_next_async)."""

    __slots__ = ("_bridge", "_in_flight", "_start", "_take", "_waiters", "kept")

    def __init__(
        self,
        bridge: LoopBridge,
        take: Callable[[], _core.Message | None],
        start: Callable[[_core.LoopSink, ReceiveLine], None],
    ) -> None:
        self._bridge = bridge
        self._take = take
        self._start = start
        self.kept: collections.deque[_core.Message] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_core.Message]] = collections.deque()
        self._in_flight = False

    def bridge(self, loop: asyncio.AbstractEventLoop) -> LoopBridge:
        """The bridge of `loop`, the running one."""
        if self._bridge.loop is not loop:
            self._bridge = bridge_of(loop)
        return self._bridge

    async def next(self, timeout_millis: int | None) -> _core.Message:
        if self.kept:
            return self.kept.popleft()
        if not self._waiters and not self._in_flight:
            try:
                message = self._take()
            except _sync.PulsarException as error:
                raise async_error(error) from None
            if message is not None:
                return message
        if timeout_millis is not None and (
            not isinstance(timeout_millis, int)
            or isinstance(timeout_millis, bool)
            or timeout_millis < 0
        ):
            raise ValueError(f"timeout_millis must be a non-negative int, not {timeout_millis!r}")
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[_core.Message] = loop.create_future()
        self._waiters.append(waiter)
        self._start_one(loop)
        try:
            if timeout_millis is None:
                return await waiter
            return await asyncio.wait_for(waiter, timeout_millis / 1000)
        except asyncio.TimeoutError:
            self._give_back(waiter)
            raise timeout_error() from None
        except asyncio.CancelledError:
            self._give_back(waiter)
            raise

    def _give_back(self, waiter: asyncio.Future[_core.Message]) -> None:
        # Cancelled after its message was handed over (before the task resumed): the
        # message goes back to the head of the line, not lost.
        if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
            self.kept.appendleft(waiter.result())

    def _start_one(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._in_flight:
            return
        try:
            self._start(self.bridge(loop).sink, self)
        except _sync.PulsarException as error:
            self._fail_waiters(async_error(error))
            return
        self._in_flight = True

    # The target of the receive in flight (see pulsar.asyncio._loop.resolve): on the loop's
    # thread.
    def done(self) -> bool:
        return False

    def set_result(self, message: _core.Message) -> None:
        self._in_flight = False
        waiter = self._next_waiter()
        if waiter is None:
            self.kept.append(message)
            return
        waiter.set_result(message)
        while True:  # more waiting: serve them from what libpulsar holds, else wait again
            waiter = self._next_waiter()
            if waiter is None:
                return
            try:
                more = self._take()
            except _sync.PulsarException as failure:
                self._waiters.appendleft(waiter)
                self._fail_waiters(async_error(failure))
                return
            if more is None:
                self._waiters.appendleft(waiter)
                self._start_one(asyncio.get_running_loop())
                return
            waiter.set_result(more)

    def set_exception(self, error: BaseException) -> None:
        self._in_flight = False
        self._fail_waiters(error)

    def _next_waiter(self) -> asyncio.Future[_core.Message] | None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                return waiter
        return None

    def _fail_waiters(self, error: BaseException) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(error)
