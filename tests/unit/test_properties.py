"""Property-based tests (hypothesis) of what validates without a broker: Client(...)'s
arguments, MessageId, enums, authentication classes, policies, loggers, key readers,
failover, schemas, records and fields, MessageBatch.

Every call with hostile arguments (random types, huge and negative ints, NaN and infinities,
empty, very long and non-UTF-8 strings, invalid UTF-8 bytes, deeply nested values) must
succeed or raise a PulsarException, TypeError or ValueError naming the argument
(support.fuzzing.call_checked). Each property runs in a child interpreter, so a crash or a
hang fails the property with the input that caused it instead of taking pytest down.
"""

from __future__ import annotations

import enum
from typing import Any, Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from support.fuzzing import (
    ANYTHING,
    BYTES,
    INTS,
    TEXTS,
    call_checked,
    collect_properties,
    examples,
    run_isolated,
)

import pulsar
from pulsar import schema as ps

OFFLINE_URL = "pulsar://127.0.0.1:1"  # nothing listens there; nothing here connects

CLIENT_ARGS = [
    "authentication",
    "operation_timeout_seconds",
    "io_threads",
    "message_listener_threads",
    "concurrent_lookup_requests",
    "log_conf_file_path",
    "stats_interval_in_seconds",
    "use_tls",
    "tls_trust_certs_file_path",
    "tls_allow_insecure_connection",
    "tls_validate_hostname",
    "logger",
    "connection_timeout_ms",
    "listener_name",
    "tls_private_key_file_path",
    "tls_certificate_file_path",
]
# Valid counts of threads that libpulsar starts at once: a huge one is not an input error
# but a request for millions of threads, which no test should make.
THREAD_COUNTS = {"io_threads", "message_listener_threads"}


def _close(client: pulsar.Client) -> None:
    client.close()


@examples(150)
@given(name=st.sampled_from(CLIENT_ARGS), value=ANYTHING)
def property_client_keyword(name: str, value: Any) -> None:
    assume(not (name in THREAD_COUNTS and isinstance(value, int) and value > 8))
    box: dict[str, pulsar.Client] = {}

    def make() -> None:
        box["client"] = pulsar.Client(OFFLINE_URL, **{name: value})

    call_checked(make, [name], f"Client({name}=...)", value)
    if "client" in box:
        box["client"].close()


@examples(100)
@given(url=st.one_of(TEXTS, ANYTHING, TEXTS.map(lambda t: "pulsar://" + t)))
def property_client_service_url(url: Any) -> None:
    box: dict[str, pulsar.Client] = {}

    def make() -> None:
        box["client"] = pulsar.Client(url, operation_timeout_seconds=1)

    call_checked(
        make, ["service_url", "url", "URL", "Url"], "Client(service_url)", url, also=_libpulsar_url
    )
    if "client" in box:
        box["client"].close()


MESSAGE_ID_ARGS = ["partition", "ledger_id", "entry_id", "batch_index"]


@examples(150)
@given(kwargs=st.dictionaries(st.sampled_from(MESSAGE_ID_ARGS), st.one_of(INTS, ANYTHING)))
def property_message_id(kwargs: dict[str, Any]) -> None:
    box: dict[str, pulsar.MessageId] = {}

    def make() -> None:
        box["id"] = pulsar.MessageId(**kwargs)

    call_checked(make, list(kwargs), "MessageId(...)", kwargs)
    if "id" in box:
        mid = box["id"]
        str(mid)
        repr(mid)
        hash(mid)
        again = pulsar.MessageId.deserialize(mid.serialize())
        assert (again.ledger_id(), again.entry_id(), again.partition()) == (
            mid.ledger_id(),
            mid.entry_id(),
            mid.partition(),
        )


@examples(120)
@given(data=st.one_of(BYTES, ANYTHING), topic=st.one_of(st.none(), TEXTS, ANYTHING))
def property_message_id_deserialize(data: Any, topic: Any) -> None:
    box: dict[str, pulsar.MessageId] = {}

    def load() -> None:
        box["id"] = pulsar.MessageId.deserialize(data, topic)

    call_checked(load, ["message_id_bytes", "topic", "MessageId"], "deserialize", (data, topic))
    if "id" in box:
        str(box["id"])
        pulsar.MessageId.deserialize(box["id"].serialize())


@examples(100)
@given(other=ANYTHING, op=st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge", "wrap"]))
def property_message_id_compare(other: Any, op: str) -> None:
    mid = pulsar.MessageId(1, 2, 3, 4)
    ops = {
        "eq": lambda: mid == other,
        "ne": lambda: mid != other,
        "lt": lambda: mid < other,
        "le": lambda: mid <= other,
        "gt": lambda: mid > other,
        "ge": lambda: mid >= other,
        "wrap": lambda: pulsar.MessageId.wrap(other),
    }
    # A comparison with another type raises Python's own TypeError ("'<' not supported
    # between instances of ..."), which names the operator, not an argument.
    call_checked(ops[op], ["msg_id", "MessageId", "not supported"], f"MessageId {op}", other)


ENUMS = [
    pulsar.ConsumerType,
    pulsar.CompressionType,
    pulsar.InitialPosition,
    pulsar.PartitionsRoutingMode,
    pulsar.BatchingType,
    pulsar.ProducerAccessMode,
    pulsar.RegexSubscriptionMode,
    pulsar.ConsumerCryptoFailureAction,
    pulsar.LoggerLevel,
    pulsar.Result,
    pulsar.SchemaType,
    pulsar.KeySharedMode,
    ps.KeyValueEncoding,
]


@examples(120)
@given(cls=st.sampled_from(ENUMS), value=st.one_of(INTS, ANYTHING))
def property_enum_values(cls: type[enum.Enum], value: Any) -> None:
    call_checked(lambda: cls(value), [cls.__name__], f"{cls.__name__}(value)", value)


JSONISH = st.one_of(
    TEXTS,
    st.sampled_from(
        ['{"token": 5}', '{"issuer_url": "x", "client_id": 1}', "{}", "[]", "{", '{"a":'] * 1
    ),
)
AUTH_PLUGINS = st.one_of(
    TEXTS,
    st.sampled_from(
        ["tls", "token", "athenz", "oauth2", "basic", "/nonexistent/lib.so", "", "org.x"]
    ),
)


@examples(80)
@given(
    which=st.sampled_from(["plugin", "tls", "token", "basic", "basic_params", "oauth2", "athenz"]),
    a=st.one_of(AUTH_PLUGINS, JSONISH, ANYTHING),
    b=st.one_of(JSONISH, ANYTHING),
    c=st.one_of(TEXTS, ANYTHING),
)
def property_authentication(which: str, a: Any, b: Any, c: Any) -> None:
    makers = {
        "plugin": (lambda: pulsar.Authentication(a, b), ["dynamicLibPath", "authParamsString"]),
        "tls": (
            lambda: pulsar.AuthenticationTLS(a, b),
            ["certificate_path", "private_key_path"],
        ),
        "token": (lambda: pulsar.AuthenticationToken(a), ["token"]),
        "basic": (
            lambda: pulsar.AuthenticationBasic(a, b, c),
            ["username", "password", "method"],
        ),
        "basic_params": (
            lambda: pulsar.AuthenticationBasic(auth_params_string=b),
            ["auth_params_string", "username"],  # (None: username and password are needed)
        ),
        "oauth2": (lambda: pulsar.AuthenticationOauth2(b), ["auth_params_string"]),
        "athenz": (lambda: pulsar.AuthenticationAthenz(b), ["auth_params_string"]),
    }
    make, names = makers[which]
    call_checked(make, names, f"authentication {which}", (a, b, c), also=_libpulsar_refusal)


def _libpulsar_url(exc: BaseException) -> bool:
    """libpulsar's refusal of a service URL it cannot parse: a plain ValueError with its own
    message ("The scheme part is missing: ...", "Invalid scheme: ...", "invalid hostname:
    ..."), as pulsar-client 3.13 raises (it names no argument)."""
    return type(exc) is ValueError


def _libpulsar_refusal(exc: BaseException) -> bool:
    """libpulsar's own refusal of parameters it parses (its std::runtime_error, e.g. "No
    username provided for basic provider", "garbage after data" for JSON it cannot parse):
    a RuntimeError, as pulsar-client 3.13 raises (reported as a finding: it names no
    argument)."""
    return type(exc) is RuntimeError


@examples(120)
@given(
    which=st.sampled_from(["batch", "dead_letter", "key_shared"]),
    a=st.one_of(INTS, ANYTHING),
    b=st.one_of(INTS, TEXTS, ANYTHING),
    c=st.one_of(INTS, TEXTS, ANYTHING, st.lists(st.tuples(INTS, INTS), max_size=3)),
)
def property_policies(which: str, a: Any, b: Any, c: Any) -> None:
    makers = {
        "batch": (
            lambda: pulsar.ConsumerBatchReceivePolicy(a, b, c),
            # (pulsar-client's wording for all three at or below zero, kept)
            ["max_num_message", "max_num_bytes", "timeout_ms", "maxNumMessages"],
        ),
        "dead_letter": (
            lambda: pulsar.ConsumerDeadLetterPolicy(a, b, c),
            ["max_redeliver_count", "dead_letter_topic", "initial_subscription_name"],
        ),
        "key_shared": (
            lambda: pulsar.ConsumerKeySharedPolicy(
                pulsar.KeySharedMode.Sticky if a == 1 else a, b, c
            ),
            ["key_shared_mode", "allow_out_of_order_delivery", "sticky_ranges"],
        ),
    }
    make, names = makers[which]
    call_checked(make, names, f"policy {which}", (a, b, c))


SAFE_FILE_NAMES = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=10)


@examples(100)
@given(
    which=st.sampled_from(["console", "file", "crypto", "service_info", "failover"]),
    a=st.one_of(INTS, ANYTHING),
    b=st.one_of(SAFE_FILE_NAMES.map(lambda n: "log-" + n), INTS, ANYTHING),
    c=st.one_of(INTS, ANYTHING, st.lists(st.none(), max_size=2)),
)
def property_loggers_keys_failover(which: str, a: Any, b: Any, c: Any) -> None:
    # FileLogger opens its file: only relative names of letters and digits (the child's
    # working directory is a temporary one), or non-strings.
    if which == "file" and isinstance(b, str):
        assume(b.startswith("log-"))
    makers = {
        "console": (lambda: pulsar.ConsoleLogger(a), ["log_level"]),
        "file": (lambda: pulsar.FileLogger(a, b), ["log_level", "log_file"]),
        "crypto": (
            lambda: pulsar.CryptoKeyReader(a, b),
            ["public_key_path", "private_key_path"],
        ),
        "service_info": (
            lambda: pulsar.ServiceInfo(a, b, c),
            ["service_url", "authentication", "tls_trust_certs_file_path"],
        ),
        "failover": (
            lambda: pulsar.AutoClusterFailover(pulsar.ServiceInfo("pulsar://127.0.0.1:1"), a, b, c),
            [
                "primary",
                "secondary",
                "check_interval_ms",
                "failover_threshold",
                "switch_back_threshold",
            ],
        ),
    }
    make, names = makers[which]
    call_checked(make, names, f"{which}(...)", (a, b, c))


class Point(ps.Record):
    x = ps.Integer()
    name = ps.String()
    tags = ps.Array(ps.String())
    scores = ps.Map(ps.Double())
    blob = ps.Bytes()
    flag = ps.Boolean()


FIELD_CLASSES = [
    ps.Integer,
    ps.Long,
    ps.Float,
    ps.Double,
    ps.Boolean,
    ps.String,
    ps.Bytes,
    ps.Null,
]


@examples(120)
@given(
    kwargs=st.dictionaries(
        st.sampled_from(["x", "name", "tags", "scores", "blob", "flag"]),
        st.one_of(
            ANYTHING,
            st.lists(TEXTS, max_size=3),
            st.dictionaries(TEXTS, st.one_of(st.floats(), ANYTHING), max_size=3),
        ),
        max_size=6,
    ),
    which=st.sampled_from(["json", "avro", "string", "bytes"]),
)
def property_records_and_schemas(kwargs: dict[str, Any], which: str) -> None:
    box: dict[str, Any] = {}

    def make() -> None:
        box["record"] = Point(**kwargs)

    call_checked(make, list(kwargs), "Point(...)", kwargs, also=_schema_313_errors)
    schema = {
        "json": lambda: ps.JsonSchema(Point),
        "avro": lambda: ps.AvroSchema(Point),
        "string": ps.StringSchema,
        "bytes": ps.BytesSchema,
    }[which]()
    value = box.get("record", kwargs.get("name", kwargs.get("blob")))
    encoded: dict[str, bytes] = {}

    def encode() -> None:
        encoded["data"] = schema.encode(value)

    call_checked(
        encode,
        ["record", "Record", "data", "value", "Point", "field", "str", "bytes"],
        f"{which}.encode",
        value,
        also=_schema_313_errors,
    )
    if "data" in encoded and "record" in box and which in ("json", "avro"):
        # (NaN is not equal to itself: compare the encodings of the round trip instead)
        assert schema.encode(schema.decode(encoded["data"])) == encoded["data"]


@examples(120)
@given(
    field=st.sampled_from([*FIELD_CLASSES, "array", "map", "enum"]),
    default=ANYTHING,
    required=ANYTHING,
)
def property_fields(field: Any, default: Any, required: Any) -> None:
    make: Callable[[], object]
    if field == "array":
        make = lambda: ps.Array(default, required=required)
        names = ["array_type", "Array", "items"]
    elif field == "map":
        make = lambda: ps.Map(default, required=required)
        names = ["value_type", "Map", "values"]
    elif field == "enum":
        make = lambda: ps.CustomEnum(default, required=required)
        names = ["enum_type", "CustomEnum", "Enum"]
    else:
        make = lambda: field(default=default, required=required)
        names = ["default", "required"]
    call_checked(make, names, f"{field}(...)", (default, required), also=_schema_313_errors)


def _schema_313_errors(exc: BaseException) -> bool:
    """pulsar.schema keeps pulsar-client 3.13's errors for field types (definition.py says
    so): a bare Exception for a class that is neither a Record nor a Field, or not an Enum;
    issubclass()'s TypeError for CustomEnum of a non-class; and the codec's UnicodeError
    (a ValueError) for a str with lone surrogates where bytes are expected, or bytes that are
    not UTF-8 where a str is. Reported as findings; not changed here."""
    if type(exc) is Exception:
        return "is not a Record or a Field" in str(exc) or "is not a valid Enum type" in str(exc)
    if type(exc) is TypeError:
        return "issubclass() arg 1 must be a class" in str(exc)
    return isinstance(exc, UnicodeError)


@examples(150)
@given(
    data=st.one_of(BYTES, TEXTS, ANYTHING, st.binary(min_size=1, max_size=2048)),
    size=st.one_of(INTS, ANYTHING),
    with_id=st.booleans(),
)
def property_message_batch(data: Any, size: Any, with_id: bool) -> None:
    batch = pulsar.MessageBatch()
    if with_id:
        call_checked(lambda: batch.with_message_id(data), ["msg_id"], "with_message_id", data)
    parsed: list[Any] = []
    call_checked(
        lambda: parsed.extend(batch.parse_from(data, size)),
        ["data", "size"],
        "parse_from",
        (data, size),
    )
    for message in parsed:
        message.data()
        message.properties()
        message.message_id()


@examples(100)
@given(which=st.sampled_from(["string", "bytes"]), value=st.one_of(ANYTHING, BYTES, TEXTS))
def property_plain_schemas(which: str, value: Any) -> None:
    schema = ps.StringSchema() if which == "string" else ps.BytesSchema()
    call_checked(
        lambda: schema.encode(value),
        ["data", "str", "bytes", "value"],
        f"{which}.encode",
        value,
        also=_schema_313_errors,
    )
    if isinstance(value, bytes):
        try:
            schema.decode(value)
        except UnicodeDecodeError:
            # StringSchema.decode of bytes that are not UTF-8: pulsar-client 3.13 raises
            # the same UnicodeDecodeError (a ValueError), for data from the topic.
            assert which == "string"


PROPERTIES = collect_properties(globals())


@pytest.mark.timeout(300)  # a child per property, each a few seconds on a loaded machine
@pytest.mark.parametrize("name", PROPERTIES)
def test_property(name, tmp_path):
    run_isolated(__file__, name, tmp_path, timeout=240)
