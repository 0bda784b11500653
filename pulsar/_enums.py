"""The enums of the API, with pulsar-client's names, members and values.

pulsar-client's are pybind11 enums; these are small int-based enums that behave the
same where a user could notice: `Result.Ok` is a member, str() "Result.Ok", repr
"<Result.Ok: 0>", `.name`, `.value`, int(), equality with ints, hashing as the value,
`Result(3)`, `Result.__members__`, iteration, pickling. They are not `enum.Enum`:
on Python 3.11, `enum.EnumType.__getattr__` makes every `Result.Ok` a slow lookup
(about 0.1 us, a fifth of the cost of a whole send callback); here it is a plain class
attribute. This module imports nothing of pulsar's: the extension reads Result from it
while it initializes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

_E = TypeVar("_E", bound="_PulsarEnum")


class _PulsarEnumType(type):
    """Turns the int class attributes of an enum's body into its members."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
        values = {
            key: value
            for key, value in namespace.items()
            if not key.startswith("_") and type(value) is int
        }
        for key in values:
            del namespace[key]
        cls = super().__new__(mcls, name, bases, namespace)
        members: dict[str, Any] = {}
        by_value: dict[int, Any] = {}
        for key, value in values.items():
            member = int.__new__(cls, value)
            member._name_ = key
            members[key] = member
            by_value.setdefault(value, member)
            type.__setattr__(cls, key, member)
        type.__setattr__(cls, "_member_map_", members)
        type.__setattr__(cls, "_value2member_map_", by_value)
        return cls

    def __setattr__(cls, name: str, value: Any) -> None:
        if name in cls.__dict__.get("_member_map_", {}):
            raise AttributeError(f"cannot reassign member {name!r} of {cls.__name__}")
        super().__setattr__(name, value)

    def __iter__(cls) -> Iterator[Any]:
        return iter(cls._member_map_.values())

    def __reversed__(cls) -> Iterator[Any]:
        return reversed(list(cls._member_map_.values()))

    def __len__(cls) -> int:
        return len(cls._member_map_)

    def __contains__(cls, member: object) -> bool:
        return isinstance(member, cls)

    def __getitem__(cls, name: str) -> Any:
        return cls._member_map_[name]

    @property
    def __members__(cls) -> Mapping[str, Any]:
        return MappingProxyType(cls._member_map_)


class _PulsarEnum(int, metaclass=_PulsarEnumType):
    _member_map_: ClassVar[dict[str, Any]]
    _value2member_map_: ClassVar[dict[int, Any]]
    _name_: str

    def __new__(cls: type[_E], value: int) -> _E:
        try:
            return cls._value2member_map_[value]  # type: ignore[no-any-return]
        except (KeyError, TypeError):
            raise ValueError(f"{value!r} is not a valid {cls.__name__}") from None

    @property
    def name(self) -> str:
        return self._name_

    @property
    def value(self) -> int:
        return int(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name_}: {int(self)}>"

    def __str__(self) -> str:
        return f"{type(self).__name__}.{self._name_}"

    def __format__(self, format_spec: str) -> str:
        return format(str(self), format_spec)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (int(self),))

    def __copy__(self: _E) -> _E:
        return self

    def __deepcopy__(self: _E, memo: Any) -> _E:
        return self

    __hash__ = int.__hash__


class Result(_PulsarEnum):
    """The outcome of an operation: Ok, or the reason it failed."""

    Ok = 0
    UnknownError = 1
    InvalidConfiguration = 2
    Timeout = 3
    LookupError = 4
    ConnectError = 5
    ReadError = 6
    AuthenticationError = 7
    AuthorizationError = 8
    ErrorGettingAuthenticationData = 9
    BrokerMetadataError = 10
    BrokerPersistenceError = 11
    ChecksumError = 12
    ConsumerBusy = 13
    NotConnected = 14
    AlreadyClosed = 15
    InvalidMessage = 16
    ConsumerNotInitialized = 17
    ProducerNotInitialized = 18
    ProducerBusy = 19
    TooManyLookupRequestException = 20
    InvalidTopicName = 21
    InvalidUrl = 22
    ServiceUnitNotReady = 23
    OperationNotSupported = 24
    ProducerBlockedQuotaExceededError = 25
    ProducerBlockedQuotaExceededException = 26
    ProducerQueueIsFull = 27
    MessageTooBig = 28
    TopicNotFound = 29
    SubscriptionNotFound = 30
    ConsumerNotFound = 31
    UnsupportedVersionError = 32
    TopicTerminated = 33
    CryptoError = 34
    IncompatibleSchema = 35
    ConsumerAssignError = 36
    CumulativeAcknowledgementNotAllowedError = 37
    TransactionCoordinatorNotFoundError = 38
    InvalidTxnStatusError = 39
    NotAllowedError = 40
    TransactionConflict = 41
    TransactionNotFound = 42
    ProducerFenced = 43
    MemoryBufferIsFull = 44
    Interrupted = 45
    Disconnected = 46


class CompressionType(_PulsarEnum):
    NONE = 0
    LZ4 = 1
    ZLib = 2
    ZSTD = 3
    SNAPPY = 4


class PartitionsRoutingMode(_PulsarEnum):
    UseSinglePartition = 0
    RoundRobinDistribution = 1
    CustomPartition = 2


class BatchingType(_PulsarEnum):
    Default = 0
    KeyBased = 1


class ProducerAccessMode(_PulsarEnum):
    Shared = 0
    Exclusive = 1
    WaitForExclusive = 2
    ExclusiveWithFencing = 3


class ConsumerType(_PulsarEnum):
    Exclusive = 0
    Shared = 1
    Failover = 2
    KeyShared = 3


class InitialPosition(_PulsarEnum):
    Latest = 0
    Earliest = 1


class RegexSubscriptionMode(_PulsarEnum):
    PersistentOnly = 0
    NonPersistentOnly = 1
    AllTopics = 2


class ConsumerCryptoFailureAction(_PulsarEnum):
    FAIL = 0
    DISCARD = 1
    CONSUME = 2


class LoggerLevel(_PulsarEnum):
    Debug = 0
    Info = 1
    Warn = 2
    Error = 3


class SchemaType(_PulsarEnum):
    NONE = 0
    STRING = 1
    INT8 = 6
    INT16 = 7
    INT32 = 8
    INT64 = 9
    FLOAT = 10
    DOUBLE = 11
    BYTES = -1
    JSON = 2
    PROTOBUF = 3
    AVRO = 4
    AUTO_CONSUME = -3
    AUTO_PUBLISH = -4
    KEY_VALUE = 15
    PROTOBUF_NATIVE = 20
