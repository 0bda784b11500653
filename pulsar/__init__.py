"""fastpulsar: the Apache Pulsar client for Python, a drop-in replacement for
pulsar-client 3.13 (`import pulsar`, unchanged) built on libpulsar 4.2.0.

    import pulsar

    with pulsar.Client("pulsar://localhost:6650") as client:
        producer = client.create_producer("my-topic")
        print(producer.send(b"hello"))
"""

# isort: off
from pulsar import _dlls  # noqa: F401  (Windows: pulsar/_libs on the DLL path, before _core)

# isort: on
from pulsar import _bridge, schema
from pulsar.__about__ import __version__, api_version, libpulsar_version
from pulsar._auth import (
    Authentication,
    AuthenticationAthenz,
    AuthenticationBasic,
    AuthenticationOauth2,
    AuthenticationTLS,
    AuthenticationToken,
)
from pulsar._client import Client
from pulsar._core import Consumer, Message, MessageId, Producer, Reader
from pulsar._crypto import CryptoKeyReader, EncryptionContext, EncryptionKey
from pulsar._enums import (
    BatchingType,
    CompressionType,
    ConsumerCryptoFailureAction,
    ConsumerType,
    InitialPosition,
    LoggerLevel,
    PartitionsRoutingMode,
    ProducerAccessMode,
    RegexSubscriptionMode,
    Result,
    SchemaType,
)
from pulsar._failover import AutoClusterFailover, ServiceInfo, ServiceInfoProvider
from pulsar._logging import ConsoleLogger, FileLogger
from pulsar._message_batch import MessageBatch
from pulsar._policies import (
    BatchReceivePolicy,
    ConsumerBatchReceivePolicy,
    ConsumerDeadLetterPolicy,
    ConsumerKeySharedPolicy,
    DeadLetterPolicyBuilder,
    KeySharedMode,
    KeySharedPolicy,
)
from pulsar.exceptions import *
from pulsar.exceptions import __all__ as _exception_names
from pulsar.functions import Context, Function, IdentitySerDe, PickleSerDe, SerDe
from pulsar.schema import BytesSchema, StringSchema
from pulsar.tableview import TableView

_bridge.install()

for _cls in (Consumer, Message, MessageId, Producer, Reader, TableView):
    _cls.__module__ = "pulsar"
del _cls

__all__ = [
    "Authentication",
    "AuthenticationAthenz",
    "AuthenticationBasic",
    "AuthenticationOauth2",
    "AuthenticationTLS",
    "AuthenticationToken",
    "AutoClusterFailover",
    "BatchReceivePolicy",
    "BatchingType",
    "BytesSchema",
    "Client",
    "CompressionType",
    "ConsoleLogger",
    "Consumer",
    "ConsumerBatchReceivePolicy",
    "ConsumerCryptoFailureAction",
    "ConsumerDeadLetterPolicy",
    "ConsumerKeySharedPolicy",
    "ConsumerType",
    "Context",
    "CryptoKeyReader",
    "DeadLetterPolicyBuilder",
    "EncryptionContext",
    "EncryptionKey",
    "FileLogger",
    "Function",
    "IdentitySerDe",
    "InitialPosition",
    "KeySharedMode",
    "KeySharedPolicy",
    "LoggerLevel",
    "Message",
    "MessageBatch",
    "MessageId",
    "PartitionsRoutingMode",
    "PickleSerDe",
    "Producer",
    "ProducerAccessMode",
    "Reader",
    "RegexSubscriptionMode",
    "Result",
    "SchemaType",
    "SerDe",
    "ServiceInfo",
    "ServiceInfoProvider",
    "StringSchema",
    "TableView",
    "__version__",
    "api_version",
    "libpulsar_version",
    "schema",
]
__all__ += _exception_names  # noqa: PLE0605 - as pulsar.exceptions lists them
