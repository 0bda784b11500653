"""The future pulsar.asyncio's Producer.send returns.

It is an asyncio.Future, so that asyncio.gather() and asyncio.wait() take it as it is (a
coroutine would be wrapped in a Task each: more than half the cost of a send), and it is a
collections.abc.Coroutine too, so that asyncio.create_task(producer.send(...)) and
asyncio.ensure_future() work as with pulsar-client 3.13's coroutine. `await` works on both.
"""

from __future__ import annotations

import asyncio
import collections.abc
from collections.abc import Generator
from typing import Any

from pulsar._core import MessageId


class SendFuture(asyncio.Future[MessageId]):
    """An asyncio.Future that can also be driven as a coroutine (by a Task)."""

    _iterator: Generator[Any, None, Any] | None = None

    def send(self, value: None) -> Any:
        """Resume the coroutine with `value` (None), as a Task does."""
        if self._iterator is None:
            self._iterator = self.__await__()
        return self._iterator.send(value)

    def throw(self, *args: Any) -> Any:
        """Raise an exception where the coroutine waits, as a cancelled Task does."""
        if self._iterator is None:
            self._iterator = self.__await__()
        return self._iterator.throw(*args)

    def close(self) -> None:
        """Forget the coroutine's progress (the future itself is left as it is)."""
        self._iterator = None


collections.abc.Coroutine.register(SendFuture)
