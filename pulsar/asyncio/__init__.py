"""pulsar.asyncio: pulsar-client 3.13's asyncio API on fastpulsar's core.

`await` everything that talks to the broker: Client.create_producer / subscribe /
create_reader / get_topic_partitions / close, Producer.send / flush / close,
Consumer.receive / acknowledge / ... , Reader.read_next / ... . Beyond 3.13: receive and
read_next timeouts, Consumer.batch_receive, `async for` over consumers and readers,
coroutine message listeners, and async context managers.

Failures raise the sync API's exception classes (pulsar.Timeout, pulsar.AlreadyClosed,
...), which are pulsar.asyncio.PulsarException too.
"""

# pulsar-client 3.13's module-level names (its imports and helpers), which code written
# for it may reach through pulsar.asyncio.
import asyncio  # noqa: F401
import functools  # noqa: F401
from datetime import timedelta  # noqa: F401
from typing import Any, Callable, List, Union  # noqa: F401, UP035

import _pulsar  # noqa: F401
import pulsar  # noqa: F401
from pulsar._enums import (
    BatchingType,
    CompressionType,
    ConsumerCryptoFailureAction,
    InitialPosition,
    PartitionsRoutingMode,
    ProducerAccessMode,
    RegexSubscriptionMode,
)
from pulsar.asyncio._client import Client
from pulsar.asyncio._compat import _check_type as _check_type
from pulsar.asyncio._compat import _set_future as _set_future
from pulsar.asyncio._compat import _set_future_v2 as _set_future_v2
from pulsar.asyncio._consumer import Consumer
from pulsar.asyncio._errors import PulsarException
from pulsar.asyncio._producer import Producer
from pulsar.asyncio._reader import Reader

__all__ = [
    "BatchingType",
    "Client",
    "CompressionType",
    "Consumer",
    "ConsumerCryptoFailureAction",
    "InitialPosition",
    "PartitionsRoutingMode",
    "Producer",
    "ProducerAccessMode",
    "PulsarException",
    "Reader",
    "RegexSubscriptionMode",
]
