"""The top-level `_pulsar` module and pulsar.asyncio's module-level names, against
pulsar-client 3.13.0's surface (tests/unit/data/pulsar_client_3_13_0_surface.json, taken
with dir() from the official wheel): every name there, each class's public attributes a
superset of 3.13's, the objects `pulsar` shares being `pulsar`'s own, and the
configurations' getters, defaults, setters and argument errors as 3.13 has them."""

import asyncio
import enum
import json
from pathlib import Path

import pytest

import _pulsar
import pulsar
import pulsar.asyncio

SURFACE = json.loads(
    (Path(__file__).parent / "data" / "pulsar_client_3_13_0_surface.json").read_text()
)

# The names of _pulsar that are pulsar's very objects (in 3.13, `pulsar.X is _pulsar.X` for
# the enums, exceptions and policy classes; here also for the classes pulsar takes from the
# extension).
SHARED = [
    *(name for name, entry in SURFACE["_pulsar"].items() if entry["kind"] == "exception"),
    "BatchReceivePolicy",
    "BatchingType",
    "CompressionType",
    "Consumer",
    "ConsumerCryptoFailureAction",
    "ConsumerType",
    "DeadLetterPolicyBuilder",
    "EncryptionContext",
    "EncryptionKey",
    "InitialPosition",
    "KeySharedMode",
    "KeySharedPolicy",
    "LoggerLevel",
    "Message",
    "MessageBatch",
    "MessageId",
    "PartitionsRoutingMode",
    "Producer",
    "ProducerAccessMode",
    "Reader",
    "RegexSubscriptionMode",
    "Result",
    "SchemaType",
    "TableView",
]

# Attributes of 3.13's exceptions that are Python's own (add_note is 3.11+).
_PYTHON_OWN = set(dir(Exception))


def _missing(obj, expected):
    # An enum.Enum's `name` and `value` are its members' (3.13's pybind11 enums have them on
    # the class too): look at a member.
    holder = next(iter(obj)) if isinstance(obj, enum.EnumMeta) else obj
    return sorted(a for a in expected if not hasattr(holder, a) and a not in _PYTHON_OWN)


@pytest.mark.parametrize("name", sorted(SURFACE["_pulsar"]))
def test_pulsar_module_has_the_name_and_its_attributes(name):
    entry = SURFACE["_pulsar"][name]
    assert hasattr(_pulsar, name), f"_pulsar.{name} is missing"
    obj = getattr(_pulsar, name)
    assert isinstance(obj, type)
    if entry["kind"] == "exception":
        assert issubclass(obj, Exception)
    assert _missing(obj, entry["attributes"]) == []


@pytest.mark.parametrize("name", sorted(SHARED))
def test_pulsar_module_shares_the_object_of_pulsar(name):
    assert getattr(_pulsar, name) is getattr(pulsar, name)


@pytest.mark.parametrize("name", sorted(SURFACE["pulsar.asyncio"]))
def test_pulsar_asyncio_has_the_module_level_name(name):
    entry = SURFACE["pulsar.asyncio"][name]
    assert hasattr(pulsar.asyncio, name), f"pulsar.asyncio.{name} is missing"
    assert _missing(getattr(pulsar.asyncio, name), entry.get("attributes", [])) == []


# ---- configurations -----------------------------------------------------------------------

# Every getter's default in 3.13 (the values of its _pulsar, read in its venv).
DEFAULTS = {
    "ClientConfiguration": {
        "concurrent_lookup_requests": 50000,
        "connection_timeout": 10000,
        "io_threads": 1,
        "message_listener_threads": 1,
        "operation_timeout_seconds": 30,
        "stats_interval_in_seconds": 600,
        "tls_allow_insecure_connection": False,
        "tls_certificate_file_path": "",
        "tls_private_key_file_path": "",
    },
    "ProducerConfiguration": {
        "access_mode": pulsar.ProducerAccessMode.Shared,
        "batching_enabled": True,
        "batching_max_allowed_size_in_bytes": 131072,
        "batching_max_messages": 1000,
        "batching_max_publish_delay_ms": 10,
        "batching_type": pulsar.BatchingType.Default,
        "block_if_queue_full": False,
        "chunking_enabled": False,
        "compression_type": pulsar.CompressionType.NONE,
        "initial_sequence_id": -1,
        "lazy_start_partitioned_producers": False,
        "max_pending_messages": 1000,
        "max_pending_messages_across_partitions": 50000,
        "partitions_routing_mode": pulsar.PartitionsRoutingMode.RoundRobinDistribution,
        "producer_name": "",
        "send_timeout_millis": 30000,
    },
    "ConsumerConfiguration": {
        "auto_ack_oldest_chunked_message_on_queue_full": False,
        "batch_index_ack_enabled": False,
        "broker_consumer_stats_cache_time_ms": 30000,
        "consumer_name": "",
        "consumer_type": pulsar.ConsumerType.Exclusive,
        "crypto_failure_action": pulsar.ConsumerCryptoFailureAction.FAIL,
        "max_pending_chunked_message": 10,
        "max_total_receiver_queue_size_across_partitions": 50000,
        "negative_ack_redelivery_delay_ms": 60000,
        "pattern_auto_discovery_period": 60,
        "read_compacted": False,
        "receiver_queue_size": 1000,
        "regex_subscription_mode": pulsar.RegexSubscriptionMode.PersistentOnly,
        "replicate_subscription_state_enabled": False,
        "start_message_id_inclusive": False,
        "subscription_initial_position": pulsar.InitialPosition.Latest,
        "unacked_messages_timeout_ms": 0,
    },
    "ReaderConfiguration": {
        "crypto_failure_action": pulsar.ConsumerCryptoFailureAction.FAIL,
        "read_compacted": False,
        "reader_name": "",
        "receiver_queue_size": 1000,
        "start_message_id_inclusive": False,
        "subscription_role_prefix": "",
    },
}


@pytest.mark.parametrize(
    ("cls", "name"), [(cls, name) for cls, names in DEFAULTS.items() for name in names]
)
def test_configuration_getter_default_is_3_13s(cls, name):
    value = getattr(getattr(_pulsar, cls)(), name)()
    expected = DEFAULTS[cls][name]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "cls", ["ProducerConfiguration", "ConsumerConfiguration", "ReaderConfiguration"]
)
def test_configuration_schema_default_is_bytes(cls):
    info = getattr(_pulsar, cls)().schema()
    assert (info.schema_type(), info.name(), info.schema()) == (
        _pulsar.SchemaType.BYTES,
        "BYTES",
        "",
    )


def test_consumer_configuration_policy_defaults_are_libpulsars():
    conf = _pulsar.ConsumerConfiguration()
    batch = conf.batch_receive_policy()
    assert (batch.getMaxNumMessages(), batch.getMaxNumBytes(), batch.getTimeoutMs()) == (
        -1,
        10485760,
        100,
    )
    dlq = conf.dead_letter_policy()
    assert (
        dlq.getDeadLetterTopic(),
        dlq.getMaxRedeliverCount(),
        dlq.getInitialSubscriptionName(),
    ) == ("", 2**31 - 1, "")
    shared = conf.key_shared_policy()
    assert shared.get_key_shared_mode() is _pulsar.KeySharedMode.AutoSplit
    assert not shared.is_allow_out_of_order_delivery()
    assert shared.get_sticky_ranges() == []


# (class, method, value, returns the configuration): 3.13's return of each setter.
SETTERS = [
    ("ClientConfiguration", "operation_timeout_seconds", 12, True),
    ("ClientConfiguration", "connection_timeout", 500, True),
    ("ClientConfiguration", "io_threads", 2, True),
    ("ClientConfiguration", "message_listener_threads", 3, True),
    ("ClientConfiguration", "concurrent_lookup_requests", 9, True),
    ("ClientConfiguration", "stats_interval_in_seconds", 0, True),
    ("ClientConfiguration", "tls_allow_insecure_connection", True, True),
    ("ClientConfiguration", "tls_certificate_file_path", "/c.pem", True),
    ("ClientConfiguration", "tls_private_key_file_path", "/k.pem", True),
    ("ProducerConfiguration", "access_mode", pulsar.ProducerAccessMode.Exclusive, True),
    ("ProducerConfiguration", "batching_enabled", False, True),
    ("ProducerConfiguration", "batching_max_allowed_size_in_bytes", 10, True),
    ("ProducerConfiguration", "batching_max_messages", 10, True),
    ("ProducerConfiguration", "batching_max_publish_delay_ms", 3, True),
    ("ProducerConfiguration", "batching_type", pulsar.BatchingType.KeyBased, True),
    ("ProducerConfiguration", "block_if_queue_full", True, True),
    ("ProducerConfiguration", "chunking_enabled", True, True),
    ("ProducerConfiguration", "compression_type", pulsar.CompressionType.ZSTD, True),
    ("ProducerConfiguration", "initial_sequence_id", 7, True),
    ("ProducerConfiguration", "lazy_start_partitioned_producers", True, True),
    ("ProducerConfiguration", "max_pending_messages", 5, True),
    ("ProducerConfiguration", "max_pending_messages_across_partitions", 6, True),
    (
        "ProducerConfiguration",
        "partitions_routing_mode",
        pulsar.PartitionsRoutingMode.UseSinglePartition,
        True,
    ),
    ("ProducerConfiguration", "producer_name", "p", True),
    ("ProducerConfiguration", "send_timeout_millis", 5000, True),
    ("ConsumerConfiguration", "auto_ack_oldest_chunked_message_on_queue_full", True, True),
    ("ConsumerConfiguration", "batch_index_ack_enabled", True, True),
    ("ConsumerConfiguration", "broker_consumer_stats_cache_time_ms", 5, False),
    ("ConsumerConfiguration", "consumer_name", "c", False),
    ("ConsumerConfiguration", "consumer_type", pulsar.ConsumerType.KeyShared, True),
    (
        "ConsumerConfiguration",
        "crypto_failure_action",
        pulsar.ConsumerCryptoFailureAction.CONSUME,
        True,
    ),
    ("ConsumerConfiguration", "max_pending_chunked_message", 3, True),
    ("ConsumerConfiguration", "max_total_receiver_queue_size_across_partitions", 4, False),
    ("ConsumerConfiguration", "negative_ack_redelivery_delay_ms", 5, False),
    ("ConsumerConfiguration", "pattern_auto_discovery_period", 6, False),
    ("ConsumerConfiguration", "read_compacted", True, False),
    ("ConsumerConfiguration", "receiver_queue_size", 7, False),
    (
        "ConsumerConfiguration",
        "regex_subscription_mode",
        pulsar.RegexSubscriptionMode.AllTopics,
        True,
    ),
    ("ConsumerConfiguration", "replicate_subscription_state_enabled", True, False),
    ("ConsumerConfiguration", "start_message_id_inclusive", True, True),
    (
        "ConsumerConfiguration",
        "subscription_initial_position",
        pulsar.InitialPosition.Earliest,
        False,
    ),
    ("ConsumerConfiguration", "unacked_messages_timeout_ms", 20000, False),
    (
        "ReaderConfiguration",
        "crypto_failure_action",
        pulsar.ConsumerCryptoFailureAction.DISCARD,
        True,
    ),
    ("ReaderConfiguration", "read_compacted", True, False),
    ("ReaderConfiguration", "reader_name", "r", False),
    ("ReaderConfiguration", "receiver_queue_size", 9, False),
    ("ReaderConfiguration", "start_message_id_inclusive", True, True),
    ("ReaderConfiguration", "subscription_role_prefix", "x", False),
]


@pytest.mark.parametrize(("cls", "name", "value", "chained"), SETTERS)
def test_configuration_setter_sets_and_returns_what_3_13_returns(cls, name, value, chained):
    conf = getattr(_pulsar, cls)()
    returned = getattr(conf, name)(value)
    assert returned is (conf if chained else None)
    assert getattr(conf, name)() == value


@pytest.mark.parametrize(
    ("cls", "name", "args", "error"),
    [
        ("ProducerConfiguration", "compression_type", (1,), TypeError),
        ("ProducerConfiguration", "compression_type", (pulsar.BatchingType.Default,), TypeError),
        ("ProducerConfiguration", "send_timeout_millis", ("1",), TypeError),
        ("ProducerConfiguration", "send_timeout_millis", (1.5,), TypeError),
        ("ProducerConfiguration", "send_timeout_millis", (2**40,), TypeError),
        ("ProducerConfiguration", "batching_max_messages", (-1,), TypeError),
        ("ProducerConfiguration", "batching_max_messages", (0,), ValueError),
        ("ProducerConfiguration", "max_pending_messages", (-1,), ValueError),
        ("ProducerConfiguration", "producer_name", ("a", "b"), TypeError),
        ("ProducerConfiguration", "schema", ("BYTES",), TypeError),
        ("ProducerConfiguration", "crypto_key_reader", (object(),), TypeError),
        ("ProducerConfiguration", "message_router", (5,), TypeError),
        ("ConsumerConfiguration", "consumer_type", (0,), TypeError),
        ("ConsumerConfiguration", "unacked_messages_timeout_ms", (5,), ValueError),
        ("ConsumerConfiguration", "unacked_messages_timeout_ms", (-1,), TypeError),
        ("ConsumerConfiguration", "receiver_queue_size", (None,), TypeError),
        ("ConsumerConfiguration", "batch_receive_policy", ((1, 2, 3),), TypeError),
        ("ConsumerConfiguration", "message_listener", (None,), TypeError),
        ("ClientConfiguration", "io_threads", ("2",), TypeError),
        ("ClientConfiguration", "authentication", (pulsar.AuthenticationToken("t"),), TypeError),
        ("ClientConfiguration", "set_console_logger", (1,), TypeError),
        ("ClientConfiguration", "listener_name", (), TypeError),
    ],
)
def test_configuration_rejects_a_wrong_argument_as_3_13(cls, name, args, error):
    with pytest.raises(error):
        getattr(getattr(_pulsar, cls)(), name)(*args)


def test_configuration_policies_round_trip():
    conf = _pulsar.ConsumerConfiguration()
    assert conf.batch_receive_policy(_pulsar.BatchReceivePolicy(5, 0, 0)) is None
    assert conf.batch_receive_policy().getMaxNumMessages() == 5
    built = _pulsar.DeadLetterPolicyBuilder().deadLetterTopic("dlq").maxRedeliverCount(3).build()
    assert conf.dead_letter_policy(built) is None
    assert conf.dead_letter_policy().getDeadLetterTopic() == "dlq"
    assert conf.dead_letter_policy().getMaxRedeliverCount() == 3
    policy = _pulsar.KeySharedPolicy().set_key_shared_mode(_pulsar.KeySharedMode.Sticky)
    assert conf.key_shared_policy(policy.set_sticky_ranges([(0, 10)])) is conf
    assert conf.key_shared_policy().get_sticky_ranges() == [(0, 10)]


def test_policy_classes_check_as_3_13():
    with pytest.raises(ValueError, match="At least one"):
        _pulsar.BatchReceivePolicy(0, 0, 0)
    with pytest.raises(TypeError):
        _pulsar.BatchReceivePolicy("1", 2, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="maxRedeliverCount"):
        _pulsar.DeadLetterPolicyBuilder().maxRedeliverCount(0).build()
    with pytest.raises(ValueError, match="overlap"):
        _pulsar.KeySharedPolicy().set_sticky_ranges([(0, 10), (5, 20)])
    with pytest.raises(TypeError):
        _pulsar.KeySharedPolicy().set_key_shared_mode(1)  # type: ignore[arg-type]


def test_consumer_policies_policy_returns_the_pulsar_module_objects():
    batch = pulsar.ConsumerBatchReceivePolicy(10, -1, 100).policy()
    assert isinstance(batch, _pulsar.BatchReceivePolicy)
    assert batch.getMaxNumMessages() == 10
    shared = pulsar.ConsumerKeySharedPolicy(pulsar.KeySharedMode.Sticky, sticky_ranges=[(0, 9)])
    assert isinstance(shared.policy(), _pulsar.KeySharedPolicy)
    shared.policy().set_allow_out_of_order_delivery(True)
    assert shared.allow_out_of_order_delivery
    dlq = pulsar.ConsumerDeadLetterPolicy(4, "dlq").policy()
    assert isinstance(dlq, _pulsar.DeadLetterPolicy)
    assert (dlq.getMaxRedeliverCount(), dlq.getDeadLetterTopic()) == (4, "dlq")


# ---- objects --------------------------------------------------------------------------------


def test_authentication_factories_and_method_names():
    token = _pulsar.AuthenticationToken.create("t")
    assert type(token) is _pulsar.AuthenticationToken
    assert token.getAuthMethodName() == "token"
    assert _pulsar.AuthenticationToken.create(lambda: "t").getAuthMethodName() == "token"
    assert _pulsar.AuthenticationTLS.create("c", "k").getAuthMethodName() == "tls"
    assert _pulsar.AuthenticationBasic.create("u", "p", "m").getAuthMethodName() == "m"
    assert type(_pulsar.Authentication.create("token", "token:t")) is _pulsar.AuthenticationToken
    conf = _pulsar.ClientConfiguration()
    assert conf.authentication(token) is conf
    with pytest.raises(TypeError):
        _pulsar.Authentication()
    with pytest.raises(TypeError):
        token.getAuthData(None)


def test_error_and_topic_regex():
    with pytest.raises(TypeError):
        _pulsar.Error()
    assert _pulsar.TopicRegex("a.*").pattern == "a.*"
    with pytest.raises(TypeError):
        _pulsar.TopicRegex(1)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        _pulsar.TopicRegex("a").pattern = "b"  # type: ignore[misc]


def test_crypto_key_reader_is_an_abstract_crypto_key_reader():
    reader = _pulsar.CryptoKeyReader("/nonexistent.pem", "/nonexistent.pem")
    assert isinstance(reader, _pulsar.AbstractCryptoKeyReader)
    conf = _pulsar.ProducerConfiguration()
    assert conf.crypto_key_reader(reader) is conf
    with pytest.raises(TypeError):
        _pulsar.AbstractCryptoKeyReader()


def test_service_info_takes_a_pulsar_module_authentication():
    info = _pulsar.ServiceInfo(
        "pulsar+ssl://localhost:6651", _pulsar.AuthenticationToken.create("t"), "/ca.pem"
    )
    assert (info.service_url, info.use_tls, info.tls_trust_certs_file_path) == (
        "pulsar+ssl://localhost:6651",
        True,
        "/ca.pem",
    )


def test_client_rejects_a_configuration_of_another_class():
    with pytest.raises(TypeError):
        _pulsar.Client("pulsar://127.0.0.1:1", pulsar._core.ClientConfiguration())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^The scheme part is missing: bad$") as raised:
        _pulsar.Client("bad", _pulsar.ClientConfiguration())
    assert type(raised.value) is ValueError  # as in 3.13: not a PulsarException


# ---- pulsar.asyncio's helpers -----------------------------------------------------------------


def test_set_future_settles_the_value_or_the_failure():
    async def main():
        loop = asyncio.get_running_loop()
        ok, failed, done = loop.create_future(), loop.create_future(), loop.create_future()
        pulsar.asyncio._set_future(ok, pulsar.Result.Ok, 42)
        pulsar.asyncio._set_future(failed, pulsar.Result.Timeout, None)
        done.cancel()
        pulsar.asyncio._set_future(done, pulsar.Result.Ok, 1)  # done already: nothing
        assert await ok == 42
        with pytest.raises(pulsar.Timeout) as info:
            await failed
        assert isinstance(info.value, pulsar.asyncio.PulsarException)
        assert info.value.error() is pulsar.Result.Timeout
        assert str(info.value) == "3 Timeout"
        await asyncio.sleep(0)

    asyncio.run(main())


def test_set_future_v2_settles_the_value_or_the_error():
    async def main():
        loop = asyncio.get_running_loop()
        ok, failed = loop.create_future(), loop.create_future()
        pulsar.asyncio._set_future_v2(ok, "value")
        pulsar.asyncio._set_future_v2(failed, _pulsar.Error._of(pulsar.Result.TopicNotFound, "x"))
        assert await ok == "value"
        with pytest.raises(pulsar.TopicNotFound) as info:
            await failed
        assert info.value.error() is pulsar.Result.TopicNotFound  # type: ignore[attr-defined]
        assert str(info.value) == "29 TopicNotFound: x"

    asyncio.run(main())
