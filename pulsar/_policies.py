"""The consumer policies of subscribe(): batch receive, key-shared and dead letter, with
pulsar-client 3.13's names, defaults, properties and argument checks (its error messages
included). They hold plain values; pulsar.Client.subscribe() hands them to libpulsar.

`policy()` returns, as pulsar-client 3.13's does, the policy's `_pulsar` object:
`BatchReceivePolicy`, `KeySharedPolicy` (live: its setters change the policy) or
`DeadLetterPolicy`, which are also `_pulsar`'s classes of those names, with
`DeadLetterPolicyBuilder`."""

from __future__ import annotations

import enum
from typing import Any

from pulsar._checks import INT32_MAX, INT64_MAX, check_int, check_optional, check_type, type_error

# The hash range of key-shared sticky ranges: [0, 65535], both ends included.
_STICKY_MAX = 65535


class KeySharedMode(enum.Enum):
    """How a Key_Shared subscription spreads the key hash range over its consumers."""

    AutoSplit = 0
    Sticky = 1


class ConsumerBatchReceivePolicy:
    """Limits of one batch_receive(): it returns when `max_num_message` messages or
    `max_num_bytes` bytes are there, or after `timeout_ms`; a value below 1 means no
    limit, and at least one limit must be set.

    Args:
        max_num_message: The most messages in one batch.
        max_num_bytes: The most bytes in one batch.
        timeout_ms: How long `batch_receive()` waits, in milliseconds.
    """

    def __init__(self, max_num_message: int, max_num_bytes: int, timeout_ms: int) -> None:
        check_int(max_num_message, "max_num_message", -(2**31), INT32_MAX)
        check_int(max_num_bytes, "max_num_bytes", -(2**63), INT64_MAX)
        check_int(timeout_ms, "timeout_ms", -(2**63), INT64_MAX)
        if max_num_message <= 0 and max_num_bytes <= 0 and timeout_ms <= 0:
            raise ValueError(
                "At least one of maxNumMessages, maxNumBytes and timeoutMs must be specified."
            )
        self._max_num_message = max_num_message
        self._max_num_bytes = max_num_bytes
        self._timeout_ms = timeout_ms
        self._view = BatchReceivePolicy(max_num_message, max_num_bytes, timeout_ms)

    @property
    def max_num_message(self) -> int:
        """The most messages in one batch (below 1: no limit)."""
        return self._max_num_message

    @property
    def max_num_bytes(self) -> int:
        """The most bytes in one batch (below 1: no limit)."""
        return self._max_num_bytes

    @property
    def timeout_ms(self) -> int:
        """How long `batch_receive()` waits (below 1: no limit)."""
        return self._timeout_ms

    def policy(self) -> BatchReceivePolicy:
        """Its `_pulsar.BatchReceivePolicy` (the same object each time)."""
        return self._view


class BatchReceivePolicy:
    """pulsar-client 3.13's `_pulsar.BatchReceivePolicy`: the limits of one
    batch_receive() (what `ConsumerBatchReceivePolicy.policy()` returns).

    Args:
        max_num_messages: The most messages in one batch (below 1: no limit).
        max_num_bytes: The most bytes in one batch (below 1: no limit).
        timeout_ms: How long `batch_receive()` waits (below 1: no limit).

    Raises:
        InvalidArgumentType: A value that is not an int of libpulsar's range.
        ValueError: No limit is positive.
    """

    __slots__ = ("_values",)

    def __init__(self, max_num_messages: int, max_num_bytes: int, timeout_ms: int) -> None:
        check_int(max_num_messages, "max_num_messages", -(2**31), INT32_MAX)
        check_int(max_num_bytes, "max_num_bytes", -(2**63), INT64_MAX)
        check_int(timeout_ms, "timeout_ms", -(2**63), INT64_MAX)
        if max_num_messages <= 0 and max_num_bytes <= 0 and timeout_ms <= 0:
            raise ValueError(
                "At least one of maxNumMessages, maxNumBytes and timeoutMs must be specified."
            )
        self._values = (int(max_num_messages), int(max_num_bytes), int(timeout_ms))

    def getMaxNumMessages(self) -> int:
        """The most messages in one batch."""
        return self._values[0]

    def getMaxNumBytes(self) -> int:
        """The most bytes in one batch."""
        return self._values[1]

    def getTimeoutMs(self) -> int:
        """How long `batch_receive()` waits, in milliseconds."""
        return self._values[2]


def _check_sticky_ranges(ranges: object) -> list[tuple[int, int]]:
    if not isinstance(ranges, (list, tuple)):
        raise type_error("sticky_ranges", "a list of (int, int) tuples", ranges)
    checked: list[tuple[int, int]] = []
    for item in ranges:
        if (
            not isinstance(item, (list, tuple))
            or len(item) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in item)
        ):
            raise type_error("sticky_ranges", "a list of (int, int) tuples", item)
        checked.append((int(item[0]), int(item[1])))
    if not checked:
        raise ValueError("Ranges for KeyShared policy must not be empty.")
    for start, end in checked:
        if not (0 <= start <= _STICKY_MAX and 0 <= end <= _STICKY_MAX):
            raise ValueError("KeySharedPolicy Exception: Ranges must be [0, 65535].")
    # As libpulsar: two ranges overlap when an end of one lies within the other.
    for i, (start, end) in enumerate(checked):
        for j, (other_start, other_end) in enumerate(checked):
            if i != j and (other_start <= start <= other_end or other_start <= end <= other_end):
                raise ValueError("Ranges for KeyShared policy with overlap.")
    return checked


class KeySharedPolicy:
    """pulsar-client 3.13's `_pulsar.KeySharedPolicy`: the mode, out-of-order delivery
    and sticky ranges of a Key_Shared consumer, with getters and setters (each setter
    returns the policy). `ConsumerKeySharedPolicy.policy()` returns its own one: setting
    that changes the ConsumerKeySharedPolicy."""

    def __init__(self) -> None:
        self._mode = KeySharedMode.AutoSplit
        self._allow_out_of_order_delivery = False
        self._sticky_ranges: list[tuple[int, int]] = []

    def get_key_shared_mode(self) -> KeySharedMode:
        """`KeySharedMode.AutoSplit` (the default) or `KeySharedMode.Sticky`."""
        return self._mode

    def is_allow_out_of_order_delivery(self) -> bool:
        """Whether a key's messages may be delivered out of order."""
        return self._allow_out_of_order_delivery

    def get_sticky_ranges(self) -> list[tuple[int, int]]:
        """The hash ranges (a copy)."""
        return list(self._sticky_ranges)

    def set_key_shared_mode(self, key_shared_mode: KeySharedMode) -> KeySharedPolicy:
        """Set the mode; returns the policy.

        Args:
            key_shared_mode: `KeySharedMode.AutoSplit` or `KeySharedMode.Sticky`.
        """
        check_type(key_shared_mode, KeySharedMode, "key_shared_mode")
        self._mode = key_shared_mode
        return self

    def set_allow_out_of_order_delivery(self, allow: bool) -> KeySharedPolicy:
        """Allow (or not) out-of-order delivery; returns the policy.

        Args:
            allow: Whether a key's messages may be delivered out of order.
        """
        check_type(allow, bool, "allow_out_of_order_delivery")
        self._allow_out_of_order_delivery = allow
        return self

    def set_sticky_ranges(self, ranges: Any) -> KeySharedPolicy:
        """Adds `ranges` to the policy's, as 3.13 does; unlike 3.13, a range that overlaps
        one already set is a ValueError too (the broker would refuse the consumer)."""
        given = _check_sticky_ranges(ranges)
        self._sticky_ranges = _check_sticky_ranges(self._sticky_ranges + given)
        return self


class ConsumerKeySharedPolicy:
    """How a Key_Shared consumer takes its keys: AutoSplit (the broker spreads the hash
    range) or Sticky (this consumer's `sticky_ranges`, each (start, end) in [0, 65535]).

    Args:
        key_shared_mode: `KeySharedMode.AutoSplit` or `KeySharedMode.Sticky`.
        allow_out_of_order_delivery: Let the broker deliver a key's messages out of
            order when consumers join or leave, rather than stall them.
        sticky_ranges: With `Sticky` (required then), the hash ranges this consumer
            takes: a list of (start, end) pairs, both ends included, not overlapping.
    """

    def __init__(
        self,
        key_shared_mode: KeySharedMode = KeySharedMode.AutoSplit,
        allow_out_of_order_delivery: bool = False,
        sticky_ranges: list[tuple[int, int]] | None = None,
    ) -> None:
        check_type(key_shared_mode, KeySharedMode, "key_shared_mode")
        check_type(allow_out_of_order_delivery, bool, "allow_out_of_order_delivery")
        if key_shared_mode == KeySharedMode.Sticky and sticky_ranges is None:
            raise ValueError(
                "When using key_shared_mode = KeySharedMode.Sticky you must also provide "
                "sticky_ranges"
            )
        self._policy = KeySharedPolicy()
        self._policy.set_key_shared_mode(key_shared_mode)
        self._policy.set_allow_out_of_order_delivery(allow_out_of_order_delivery)
        if sticky_ranges is not None:
            self._policy.set_sticky_ranges(sticky_ranges)

    @property
    def key_shared_mode(self) -> KeySharedMode:
        """`KeySharedMode.AutoSplit` or `KeySharedMode.Sticky`."""
        return self._policy.get_key_shared_mode()

    @property
    def allow_out_of_order_delivery(self) -> bool:
        """Whether a key's messages may be delivered out of order."""
        return self._policy.is_allow_out_of_order_delivery()

    @property
    def sticky_ranges(self) -> list[tuple[int, int]]:
        """The hash ranges this consumer takes (a copy)."""
        return self._policy.get_sticky_ranges()

    def policy(self) -> KeySharedPolicy:
        """Its `_pulsar.KeySharedPolicy` (the same object each time): its setters change
        this policy."""
        return self._policy


class ConsumerDeadLetterPolicy:
    """Send a message to `dead_letter_topic` (default: "<topic>-<subscription>-DLQ") after
    `max_redeliver_count` redeliveries; `initial_subscription_name` creates that
    subscription on the dead letter topic.

    Args:
        max_redeliver_count: How many redeliveries a message gets before it goes to the
            dead letter topic (at least 1).
        dead_letter_topic: The dead letter topic; by default
            `<topic>-<subscription>-DLQ`.
        initial_subscription_name: A subscription to create on the dead letter topic,
            so that its messages are kept until read.
    """

    def __init__(
        self,
        max_redeliver_count: int,
        dead_letter_topic: str | None = None,
        initial_subscription_name: str | None = None,
    ) -> None:
        if max_redeliver_count is None:
            raise ValueError("max_redeliver_count must be greater than 0")
        check_type(max_redeliver_count, int, "max_redeliver_count")
        if max_redeliver_count < 1:
            raise ValueError("max_redeliver_count must be greater than 0")
        check_int(max_redeliver_count, "max_redeliver_count", 1)
        check_optional(dead_letter_topic, str, "dead_letter_topic")
        check_optional(initial_subscription_name, str, "initial_subscription_name")
        self._max_redeliver_count = max_redeliver_count
        self._dead_letter_topic = dead_letter_topic
        self._initial_subscription_name = initial_subscription_name
        self._view = DeadLetterPolicy._of(
            max_redeliver_count, dead_letter_topic or "", initial_subscription_name or ""
        )

    @property
    def max_redeliver_count(self) -> int:
        """How many redeliveries before the dead letter topic."""
        return self._max_redeliver_count

    @property
    def dead_letter_topic(self) -> str:
        """The topic given, or "" (libpulsar then picks the default name)."""
        return self._dead_letter_topic or ""

    @property
    def initial_subscription_name(self) -> str:
        """The name given, or ""."""
        return self._initial_subscription_name or ""

    def policy(self) -> DeadLetterPolicy:
        """Its `_pulsar.DeadLetterPolicy` (the same object each time)."""
        return self._view


class DeadLetterPolicy:
    """pulsar-client 3.13's `_pulsar.DeadLetterPolicy`: a dead letter policy's values, read
    with its getters (built by `DeadLetterPolicyBuilder`; `DeadLetterPolicy()` has
    libpulsar's defaults: no topic, 2**31-1 redeliveries, no initial subscription)."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values = (INT32_MAX, "", "")

    @classmethod
    def _of(cls, max_redeliver_count: int, topic: str, subscription: str) -> DeadLetterPolicy:
        policy = cls()
        policy._values = (max_redeliver_count, topic, subscription)
        return policy

    def getDeadLetterTopic(self) -> str:
        """The dead letter topic, or "" (libpulsar then picks `<topic>-<subscription>-DLQ`)."""
        return self._values[1]

    def getMaxRedeliverCount(self) -> int:
        """How many redeliveries before the dead letter topic."""
        return self._values[0]

    def getInitialSubscriptionName(self) -> str:
        """The subscription created on the dead letter topic, or ""."""
        return self._values[2]


class DeadLetterPolicyBuilder:
    """pulsar-client 3.13's `_pulsar.DeadLetterPolicyBuilder`: each setter returns the
    builder, `build()` the `DeadLetterPolicy`."""

    def __init__(self) -> None:
        self._max_redeliver_count = INT32_MAX
        self._topic = ""
        self._subscription = ""

    def deadLetterTopic(self, dead_letter_topic: str) -> DeadLetterPolicyBuilder:
        """Set the dead letter topic; returns the builder.

        Args:
            dead_letter_topic: The topic redelivered-too-often messages go to.
        """
        check_type(dead_letter_topic, str, "dead_letter_topic")
        self._topic = dead_letter_topic
        return self

    def maxRedeliverCount(self, max_redeliver_count: int) -> DeadLetterPolicyBuilder:
        """Set how many redeliveries a message gets first; returns the builder.

        Args:
            max_redeliver_count: The redeliveries before the dead letter topic (build()
                wants it positive).
        """
        check_int(max_redeliver_count, "max_redeliver_count", -(2**31), INT32_MAX)
        self._max_redeliver_count = max_redeliver_count
        return self

    def initialSubscriptionName(self, initial_subscription_name: str) -> DeadLetterPolicyBuilder:
        """Set the subscription to create on the dead letter topic; returns the builder.

        Args:
            initial_subscription_name: The subscription's name.
        """
        check_type(initial_subscription_name, str, "initial_subscription_name")
        self._subscription = initial_subscription_name
        return self

    def build(self) -> DeadLetterPolicy:
        """The policy. ValueError when the redelivery count is not positive (as libpulsar)."""
        if self._max_redeliver_count <= 0:
            raise ValueError("maxRedeliverCount must be > 0.")
        return DeadLetterPolicy._of(self._max_redeliver_count, self._topic, self._subscription)
