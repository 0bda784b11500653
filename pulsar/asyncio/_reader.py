"""pulsar.asyncio.Reader: pulsar-client 3.13's, over the sync reader's core, with
`async for`. Reading goes through a ReceiveLine (pulsar.asyncio._line): a cancelled
read_next loses no message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from pulsar import _core
from pulsar import exceptions as _sync
from pulsar.asyncio._closing import AsyncClosing
from pulsar.asyncio._errors import async_error
from pulsar.asyncio._line import ReceiveLine
from pulsar.asyncio._loop import LoopBridge, complete


class Reader(AsyncClosing):
    """Reads a topic from a given position; made by `await Client.create_reader(...)`.

    `async for msg in reader:` reads until the reader is closed; `async with reader:`
    closes it.

    Args:
        reader: The sync reader's core (internal: use `Client.create_reader`).
        bridge: The event loop's bridge to the extension (internal).
    """

    def __init__(self, reader: _core.Reader, bridge: LoopBridge) -> None:
        self._reader = reader
        self._line = ReceiveLine(bridge, reader._try_read_next, reader._read_next_async)

    async def read_next(self, timeout_millis: int | None = None) -> _core.Message:
        """The next message. With `timeout_millis`, raises pulsar.Timeout when none came in
        time (not in pulsar-client 3.13). Cancelling the awaiting task loses no message.

        Args:
            timeout_millis: How long to wait, in milliseconds; None waits until a message
                comes or the reader is closed.
        """
        return await self._line.next(timeout_millis)

    def __aiter__(self) -> AsyncIterator[_core.Message]:
        return self

    async def __anext__(self) -> _core.Message:
        """`async for msg in reader`: ends once the reader (or its client) is closed."""
        try:
            return await self.read_next()
        except _sync.AlreadyClosed:
            raise StopAsyncIteration from None

    async def has_message_available(self) -> bool:
        """Whether a message is left to read (asks the broker when it must)."""
        if self._line.kept:
            return True
        available: bool = await complete(self._reader._has_message_available_async)
        return available

    async def seek(self, messageid: _core.MessageId | int) -> None:
        """Move the reader to a message id, or to a publish time.

        Args:
            messageid: A `MessageId`, or a publish time in milliseconds since the epoch.
        """
        bridge = self._line.bridge(asyncio.get_running_loop())
        future = bridge.new_future()
        try:
            self._reader._seek_async(messageid, bridge.sink, future)
        except _sync.PulsarException as error:
            raise async_error(error) from None
        self._line.kept.clear()  # read before the seek
        await future

    async def close(self) -> None:
        """Close the reader; reads waiting fail with AlreadyClosed. AlreadyClosed when
        closed."""
        await complete(self._reader._close_async)

    def topic(self) -> str:
        """The topic this reader reads."""
        return self._reader.topic()

    def is_connected(self) -> bool:
        """Whether the reader is connected to its broker now."""
        return self._reader.is_connected()

    def __repr__(self) -> str:
        return f"<pulsar.asyncio.Reader topic={self.topic()!r}>"
