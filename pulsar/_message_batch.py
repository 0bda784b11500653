"""MessageBatch: the messages of a batched entry's payload, as pulsar-client 3.13's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulsar import _core
from pulsar._checks import INT32_MAX, check_int, check_type, type_error

if TYPE_CHECKING:
    from typing_extensions import Buffer


class MessageBatch:
    """Splits the payload of a batched entry (e.g. a batch delivered still encrypted with
    crypto_failure_action=CONSUME, once decrypted) into its messages:
    ``MessageBatch().with_message_id(msg_id).parse_from(payload, batch_size)``."""

    def __init__(self) -> None:
        self._batch = _core.MessageBatch()

    def with_message_id(self, msg_id: _core.MessageId) -> MessageBatch:
        """The id whose ledger, entry and partition the parsed messages take (their batch
        index is their position); returns this batch.

        Args:
            msg_id: The id of the batched entry (the received message's).
        """
        check_type(msg_id, _core.MessageId, "msg_id")
        self._batch.with_message_id(msg_id)
        return self

    def parse_from(self, data: Buffer | str, size: int) -> list[_core.Message]:
        """The `size` messages of the batch payload `data`. ValueError when `data` does not
        hold `size` messages in Pulsar's batch format (pulsar-client reads past the buffer).

        Args:
            data: The batch payload: bytes-like, or a str (taken as UTF-8).
            size: The number of messages in the batch (`Message.batch_size()`, or the
                encryption context's `batch_size()`).
        """
        payload: bytes | str
        if isinstance(data, (bytes, str)):
            payload = data  # a str goes as UTF-8, as in pulsar-client
        else:
            try:
                payload = memoryview(data).tobytes()
            except TypeError:
                raise type_error("data", "a bytes-like object or a str", data) from None
        # libpulsar takes the count as an uint32_t.
        check_int(size, "size", 0, 2 * INT32_MAX + 1)
        return self._batch.parse_from(payload, size)

    def messages(self) -> list[_core.Message]:
        """The messages the last parse_from() gave (an empty list before any), as
        pulsar-client's _pulsar.MessageBatch.messages()."""
        return self._batch.messages()
