"""pulsar.asyncio.Consumer: pulsar-client 3.13's, over the sync consumer's core, with
receive timeouts, batch_receive, `async for` and coroutine listeners.

Receiving goes through a ReceiveLine (pulsar.asyncio._line): cancelling loses no message.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Callable, Union

from pulsar import _core
from pulsar import exceptions as _sync
from pulsar.asyncio._closing import AsyncClosing
from pulsar.asyncio._errors import async_error
from pulsar.asyncio._line import ReceiveLine
from pulsar.asyncio._loop import LoopBridge, complete

MessageListener = Callable[["Consumer", _core.Message], Union[Awaitable[object], object]]


class _BatchArrival:
    """What one batch_receive resolves: its messages go back in line if it was cancelled."""

    __slots__ = ("_consumer", "_waiter")

    def __init__(self, consumer: Consumer, waiter: asyncio.Future[list[_core.Message]]) -> None:
        self._consumer = consumer
        self._waiter = waiter

    def done(self) -> bool:
        return False

    def set_result(self, messages: list[_core.Message]) -> None:
        if self._waiter.done():
            self._consumer._line.kept.extend(messages)
        else:
            self._waiter.set_result(messages)

    def set_exception(self, error: BaseException) -> None:
        if not self._waiter.done():
            self._waiter.set_exception(error)


class Consumer(AsyncClosing):
    """Receives messages of a subscription; made by `await Client.subscribe(...)`.

    `async for msg in consumer:` receives until the consumer is closed; `async with
    consumer:` closes it.

    Args:
        consumer: The sync consumer's core (internal: use `Client.subscribe`).
        bridge: The event loop's bridge to the extension (internal).
    """

    def __init__(self, consumer: _core.Consumer, bridge: LoopBridge) -> None:
        self._consumer = consumer
        self._line = ReceiveLine(bridge, consumer._try_receive, consumer._receive_async)
        self._listener_task: asyncio.Task[None] | None = None

    # ---- receiving ---------------------------------------------------------------------

    async def receive(self, timeout_millis: int | None = None) -> _core.Message:
        """The next message. With `timeout_millis`, raises pulsar.Timeout when none came in
        time (not in pulsar-client 3.13). Cancelling the awaiting task loses no message.

        Args:
            timeout_millis: How long to wait, in milliseconds; None waits until a message
                comes or the consumer is closed.
        """
        return await self._line.next(timeout_millis)

    async def batch_receive(self) -> list[_core.Message]:
        """The messages of one batch, by the consumer's batch_receive_policy (not in
        pulsar-client 3.13's asyncio). Cancelling it loses no message."""
        kept = self._line.kept
        if kept:
            messages = list(kept)
            kept.clear()
            return messages
        loop = asyncio.get_running_loop()
        bridge = self._line.bridge(loop)
        waiter: asyncio.Future[list[_core.Message]] = loop.create_future()
        try:
            self._consumer._batch_receive_async(bridge.sink, _BatchArrival(self, waiter))
        except _sync.PulsarException as error:
            raise async_error(error) from None
        try:
            return await waiter
        except asyncio.CancelledError:
            # Cancelled after the batch was handed over: its messages go back in line.
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._line.kept.extendleft(reversed(waiter.result()))
            raise

    def __aiter__(self) -> AsyncIterator[_core.Message]:
        return self

    async def __anext__(self) -> _core.Message:
        """`async for msg in consumer`: ends once the consumer (or its client) is closed."""
        try:
            return await self.receive()
        except _sync.AlreadyClosed:
            raise StopAsyncIteration from None

    # ---- acknowledging -------------------------------------------------------------------

    async def acknowledge(self, message: _core.Message | _core.MessageId) -> None:
        """Acknowledge a message (or a message id). libpulsar completes it inside the call
        (no acknowledgement receipts), so this never waits.

        Args:
            message: A received `Message`, or its `MessageId`.
        """
        try:
            self._consumer.acknowledge(message)
        except _sync.PulsarException as error:
            raise async_error(error) from None

    async def acknowledge_cumulative(self, message: _core.Message | _core.MessageId) -> None:
        """Acknowledge every message up to this one (not on Shared subscriptions).

        Args:
            message: A received `Message`, or its `MessageId`.
        """
        try:
            self._consumer.acknowledge_cumulative(message)
        except _sync.PulsarException as error:
            raise async_error(error) from None

    async def negative_acknowledge(self, message: _core.Message | _core.MessageId) -> None:
        """Have the message redelivered later (after negative_ack_redelivery_delay_ms).

        Args:
            message: A received `Message`, or its `MessageId`.
        """
        try:
            self._consumer.negative_acknowledge(message)
        except _sync.PulsarException as error:
            raise async_error(error) from None

    def redeliver_unacknowledged_messages(self) -> None:
        """Ask the broker to redeliver every message not acknowledged yet (not awaited)."""
        self._consumer.redeliver_unacknowledged_messages()

    # ---- the rest ------------------------------------------------------------------------

    async def _call(self, method: Callable[..., None], *args: Any) -> Any:
        return await complete(lambda sink, future: method(*args, sink, future))

    async def unsubscribe(self) -> None:
        """End the subscription (the consumer is closed too)."""
        await self._call(self._consumer._unsubscribe_async)

    async def seek(self, messageid: _core.MessageId | int) -> None:
        """Move the subscription to a message id, or to a publish time.

        Args:
            messageid: A `MessageId`, or a publish time in milliseconds since the epoch.
        """
        await self._call(self._consumer._seek_async, messageid)

    async def get_last_message_id(self) -> _core.MessageId:
        """The id of the last message of the topic, from the broker."""
        result: _core.MessageId = await self._call(self._consumer._get_last_message_id_async)
        return result

    async def close(self) -> None:
        """Close the consumer; receives waiting fail with AlreadyClosed (an `async for`
        ends), a listener stops after the call in progress. AlreadyClosed when closed."""
        self._stop_listener()
        await complete(self._consumer._close_async)

    def is_connected(self) -> bool:
        """Whether the consumer is connected to its broker now."""
        return self._consumer.is_connected()

    def topic(self) -> str:
        """The topic (or topics) this consumer is subscribed to."""
        return self._consumer.topic()

    def subscription_name(self) -> str:
        """The subscription's name."""
        return self._consumer.subscription_name()

    def consumer_name(self) -> str:
        """The consumer's name, given or made up."""
        return self._consumer.consumer_name()

    def __repr__(self) -> str:
        return f"<pulsar.asyncio.Consumer topic={self.topic()!r}>"

    # ---- coroutine listeners ---------------------------------------------------------------

    def _start_listener(self, listener: MessageListener, concurrency: int) -> None:
        self._listener_task = asyncio.get_running_loop().create_task(
            self._listen(listener, concurrency), name=f"pulsar listener {self.topic()}"
        )

    def _stop_listener(self) -> None:
        task, self._listener_task = self._listener_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _listen(self, listener: MessageListener, concurrency: int) -> None:
        # Takes a message only when a listener call may start: while they are behind,
        # messages stay in libpulsar (whose queue then stops the broker's flow).
        slots = asyncio.Semaphore(concurrency)
        running: set[asyncio.Task[None]] = set()
        while True:
            await slots.acquire()
            try:
                message = await self.receive()
            except _sync.AlreadyClosed:
                return
            except BaseException:
                slots.release()
                raise
            if concurrency == 1:
                await self._call_listener(listener, message, slots)
            else:
                task = asyncio.get_running_loop().create_task(
                    self._call_listener(listener, message, slots)
                )
                running.add(task)
                task.add_done_callback(running.discard)

    async def _call_listener(
        self, listener: MessageListener, message: _core.Message, slots: asyncio.Semaphore
    ) -> None:
        try:
            outcome = listener(self, message)
            if inspect.isawaitable(outcome):
                await outcome
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - reported; the consumer goes on
            asyncio.get_running_loop().call_exception_handler(
                {
                    "message": f"pulsar.asyncio message listener {listener!r} raised",
                    "exception": error,
                }
            )
        finally:
            slots.release()
