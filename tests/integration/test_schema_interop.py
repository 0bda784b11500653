"""JsonSchema and AvroSchema records across clients: pulsar-client 3.13 (through
support/official_schema_peer.py) and fastpulsar exchange records both ways through pulsar-lite
and Apache Pulsar standalone, with the same payload bytes and the same decoded values, and
register one schema version between them; a dataclass registers the same schema as its
equivalent Record and 3.13 reads what it sends; AutoConsumeSchema reads what 3.13 wrote.

Both clients build their classes and values from the same source text (support/records.py,
or PARCEL_SOURCE below) and the same value expressions. Each peer run is a process start:
one run per test does both directions, on several topics.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from typing import Any, Optional

import pytest
from support.messages import EARLIEST, receive_unique
from support.records import RECORDS_SOURCE
from support.schema_peer import canonical, run_record_peer

import pulsar
from pulsar.schema import AutoConsumeSchema, AvroSchema, JsonSchema, Record

pytestmark = [pytest.mark.interop, pytest.mark.timeout(600)]  # the first may build the venv

SCHEMAS = {"json": JsonSchema, "avro": AvroSchema}
KINDS = list(SCHEMAS)


def run_source(source: str, name: str) -> dict[str, Any]:
    """The names `source` defines, run in fastpulsar as the peer runs it in 3.13."""
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(source, name, "exec"), namespace)  # noqa: S102 - source both clients run
    return namespace


# records.py's classes, and Registrable: Everything's fields with its Null() field required
# (as Everything's now is: an optional Null() is ["null", "null"] in 3.13's definition, a
# union Apache Pulsar refuses, "Duplicate in union:null"; ours writes "null").
SHARED_SOURCE = (
    RECORDS_SOURCE
    + r"""
_registrable_fields = {name: Everything.__dict__[name] for name in Everything._fields}
_registrable_fields["n"] = Null(required=True)
Registrable = type(Everything)("Registrable", (Record,), _registrable_fields)


def registrable(record):
    return Registrable(**{name: getattr(record, name) for name in Registrable._fields})
"""
)
SHARED = run_source(SHARED_SOURCE, "shared_records")

# Values per record class of records.py, as expressions run by both clients. They cover nested
# records (also given as dicts), arrays (of arrays, of records), maps (of maps, of records),
# a Python Enum field and a CustomEnum (by member, name and value), None for nullable fields,
# defaults, bytes and unicode. Float fields hold values exact in 32 bits, so that Avro's
# decoded value equals the one sent (its rounding is compared with 3.13 in
# unit/test_schema_definition.py).
RECORD_SAMPLES = {
    "Registrable": [
        "registrable(everything(f=2.0**100))",
        "Registrable(l=1, inner=Inner())",
        "Registrable(l=2, inner=Inner(), color='BLUE', size=20, inner2=Inner(label='\u00e9\U0001f600'))",
        (
            "registrable(everything(f=0.5, tags=[], props={}, matrix=[], points=[],"
            " point_map={}, nested_map={'e': {}}, scores={}))"
        ),
        (
            "Registrable(l=3, inner={'label': 'd', 'weight': 2.5}, points=[{'x': 5, 'y': 1.5}],"
            " point_map={'q': {'x': 1, 'y': -1.0}})"
        ),
        "registrable(everything(f=0.5, by=b'', s='', i=2**31 - 1, l=-(2**63), b=False))",
    ],
    "Spaced": [
        "Spaced(a=1, first=Inner(label='f'), second=Inner(label='s', weight=-8.0))",
        "Spaced(second=Inner())",
    ],
    "Sorted": ["Sorted(zeta=1, alpha='\u2603', mid=False)", "Sorted()"],
}


def new_topic(label: str) -> str:
    return f"persistent://public/default/interop-{label}-{uuid.uuid4().hex[:8]}"


def schema_of(kind: str, cls: type) -> pulsar.schema.Schema:
    schema: pulsar.schema.Schema = SCHEMAS[kind](cls)
    return schema


def assert_same_record(got: Any, expected: Any, where: str) -> None:
    """Two canonical records (support/schema_peer.canonical), compared field by field."""
    assert isinstance(got, dict), f"{where}: not a record: {got!r}"
    assert got.get("record") == expected["record"], where
    assert list(got["fields"]) == list(expected["fields"]), f"{where}: field names"
    for name, value in expected["fields"].items():
        assert got["fields"][name] == value, f"{where}: field {name!r}"


def registered_versions(admin, topic: str) -> list[dict[str, Any]]:
    """Every schema version the registry holds for `topic` (admin API), oldest first."""
    found = admin.get(f"schemas/{topic.split('://', 1)[1]}/schemas")
    versions: list[dict[str, Any]] = found["getSchemaResponses"]
    return versions


def assert_one_version(admin, topic: str, kind: str, definition: str) -> None:
    versions = registered_versions(admin, topic)
    assert [(v["version"], v["type"]) for v in versions] == [(0, kind.upper())], topic
    assert versions[0]["data"] == definition, topic


# --------------------------------------------------------------------------------------------
# 1. Records both ways, on both brokers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_records_both_ways(official_python, pulsar_broker, request, kind):
    standalone = pulsar_broker.kind == "standalone"
    expected = {
        record: [canonical(eval(expr, SHARED)) for expr in exprs]
        for record, exprs in RECORD_SAMPLES.items()
    }
    # Per record class: 3.13 -> fastpulsar on one topic, fastpulsar -> 3.13 on another. 3.13
    # also produces to the second (after the messages it reads) and fastpulsar to the first
    # (after the peer's): on each topic both clients register their schema.
    to_fast = {record: new_topic(f"{kind}-to-fast") for record in RECORD_SAMPLES}
    to_official = {record: new_topic(f"{kind}-to-official") for record in RECORD_SAMPLES}
    with pulsar.Client(pulsar_broker.service_url) as client:
        consumers = {}
        sent_ids = {}
        for record, exprs in RECORD_SAMPLES.items():
            schema = schema_of(kind, SHARED[record])
            consumers[record] = client.subscribe(
                to_fast[record], "fast", schema=schema, initial_position=EARLIEST
            )
            producer = client.create_producer(to_official[record], schema=schema)
            sent_ids[record] = [str(producer.send(eval(expr, SHARED))) for expr in exprs]
            producer.close()
        out = run_record_peer(
            official_python,
            {
                "service_url": pulsar_broker.service_url,
                "source": SHARED_SOURCE,
                "produce": [
                    {"topic": topic, "schema": kind, "record": record, "values": values}
                    for record, values in RECORD_SAMPLES.items()
                    for topic in (to_fast[record], to_official[record])
                ],
                "consume": [
                    {
                        "topic": to_official[record],
                        "subscription": "official",
                        "schema": kind,
                        "record": record,
                        "count": len(values),
                        # pulsar-lite 0.2.0 never answers 3.13's Avro writer-schema lookup.
                        "lookup": standalone,
                    }
                    for record, values in RECORD_SAMPLES.items()
                ],
            },
        )
        version = bytes(8) if standalone else b""  # pulsar-lite 0.2.0 gives no version
        for index, (record, exprs) in enumerate(RECORD_SAMPLES.items()):
            schema = schema_of(kind, SHARED[record])
            assert out["schemas"][f"{kind}:{record}"] == schema.schema_info().schema()
            # 3.13 -> fastpulsar.
            received = receive_unique(consumers[record], len(exprs), ack=True)
            assert [str(m.message_id()) for m in received] == out["produced"][2 * index]
            # fastpulsar -> 3.13.
            official = out["consumed"][index]
            assert [m["message_id"] for m in official] == sent_ids[record]
            for expr, want, msg, theirs in zip(exprs, expected[record], received, official):
                # value() on both brokers: a message without a schema version (pulsar-lite)
                # is read with the reader's schema, without asking the registry.
                value = msg.value()
                assert type(value) is SHARED[record], expr
                assert_same_record(canonical(value), want, f"3.13 -> fastpulsar: {expr}")
                assert_same_record(theirs["value"], want, f"fastpulsar -> 3.13: {expr}")
                # The same record is the same bytes, whichever client wrote it.
                assert msg.data() == theirs["payload"], expr
                assert msg.data() == schema.encode(eval(expr, SHARED)), expr
                assert msg.schema_version().encode("utf-8", "surrogateescape") == version
                assert theirs["schema_version"] == version
            if standalone:
                # fastpulsar now produces to the topic 3.13 registered first.
                producer = client.create_producer(to_fast[record], schema=schema)
                producer.send(eval(exprs[0], SHARED))
                producer.close()
                admin = request.getfixturevalue("admin")
                for topic in (to_fast[record], to_official[record]):
                    assert_one_version(admin, topic, kind, schema.schema_info().schema())


# --------------------------------------------------------------------------------------------
# 2. Dataclass records on Apache Pulsar standalone
# --------------------------------------------------------------------------------------------


class Shade(enum.Enum):
    LIGHT = 1
    DARK = 2


@dataclasses.dataclass
class Tag:
    label: str
    weight: float = 1.5


@dataclasses.dataclass
class Parcel:
    id: int
    shade: Shade
    tags: list[Tag]
    sizes: dict[str, int]
    blob: bytes
    main: Tag
    note: Optional[str] = None  # noqa: UP045 - get_type_hints on Python 3.9
    extra: Optional[Tag] = None  # noqa: UP045
    ratios: Optional[dict[str, float]] = None  # noqa: UP045
    ok: bool = True


# The Record equivalent of the dataclasses above, as 3.13 users write it (run by both clients).
PARCEL_SOURCE = r"""
from enum import Enum
from pulsar.schema import Array, Boolean, Bytes, CustomEnum, Double, Long, Map, Record, String


class Shade(Enum):
    LIGHT = 1
    DARK = 2


class Tag(Record):
    label = String(required=True)
    weight = Double(required=True, default=1.5, required_default=True)


class Parcel(Record):
    id = Long(required=True)
    shade = CustomEnum(Shade, required=True)
    tags = Array(Tag(), required=True)
    sizes = Map(Long(), required=True)
    blob = Bytes(required=True)
    main = Tag(required=True)
    note = String(default=None, required_default=True)
    extra = Tag(required_default=True)
    ratios = Map(Double(), required_default=True)
    ok = Boolean(required=True, default=True, required_default=True)
"""

PARCELS = run_source(PARCEL_SOURCE, "parcel_records")

DATACLASS_VALUES = [
    Parcel(
        id=1,
        shade=Shade.LIGHT,
        tags=[Tag("a", 0.5), Tag("\u2603 \U0001f600")],
        sizes={"k": 2**40, "\u00e9": -1},
        blob=b"\x00raw \xc3\xa9",
        main=Tag("m"),
        note="n\u00e9",
        extra=Tag("e", -3.0),
        ratios={"x": 0.125, "y": 1e300},
        ok=False,
    ),
    Parcel(id=2, shade=Shade.DARK, tags=[], sizes={}, blob=b"", main=Tag("")),  # None, defaults
]

# Records of the equivalent class, sent by fastpulsar and by 3.13 (every field given: a
# sub-record left out is 3.13's shared class attribute, not None).
RECORD_VALUES = [
    (
        "Parcel(id=3, shade=Shade.DARK, tags=[Tag(label='t', weight=0.25)], sizes={'a': -2**63},"
        " blob=b'\\x01', main=Tag(label='\u00fc'), note=None, extra=None, ratios=None, ok=True)"
    ),
    (
        "Parcel(id=4, shade='LIGHT', tags=[], sizes={}, blob=b'', main=Tag(label='m', weight=2.0),"
        " note='', extra=Tag(label='x'), ratios={}, ok=False)"
    ),
]


@pytest.mark.parametrize("kind", KINDS)
def test_dataclass_definition_is_the_records(kind):
    ours = schema_of(kind, Parcel).schema_info().schema()
    assert ours == schema_of(kind, PARCELS["Parcel"]).schema_info().schema()


@pytest.mark.standalone
@pytest.mark.parametrize("kind", KINDS)
def test_dataclass_and_records_share_a_topic(
    official_python, standalone_broker, sa_client, admin, kind
):
    # A dataclass producer, a producer of the equivalent Record (fastpulsar) and one of
    # 3.13's Record write to one topic; a dataclass consumer and 3.13's consumer read it all.
    topic = new_topic(f"{kind}-dataclass")
    dc_schema = schema_of(kind, Parcel)
    record_schema = schema_of(kind, PARCELS["Parcel"])
    consumer = sa_client.subscribe(topic, "fast", schema=dc_schema, initial_position=EARLIEST)
    dc_producer = sa_client.create_producer(topic, schema=dc_schema)
    ids = [str(dc_producer.send(value)) for value in DATACLASS_VALUES]
    record_producer = sa_client.create_producer(topic, schema=record_schema)
    ids += [str(record_producer.send(eval(expr, PARCELS))) for expr in RECORD_VALUES]
    total = len(DATACLASS_VALUES) + 2 * len(RECORD_VALUES)
    out = run_record_peer(
        official_python,
        {
            "service_url": standalone_broker.service_url,
            "source": PARCEL_SOURCE,
            "produce": [
                {"topic": topic, "schema": kind, "record": "Parcel", "values": RECORD_VALUES}
            ],
            "consume": [
                {
                    "topic": topic,
                    "subscription": "official",
                    "schema": kind,
                    "record": "Parcel",
                    "count": total,
                }
            ],
        },
    )
    ids += out["produced"][0]
    records = [eval(expr, PARCELS) for expr in RECORD_VALUES]
    expected = [canonical(v) for v in [*DATACLASS_VALUES, *records, *records]]

    received = receive_unique(consumer, total, ack=True)
    assert [str(m.message_id()) for m in received] == ids
    official = out["consumed"][0]
    assert [m["message_id"] for m in official] == ids
    for i, (want, msg, theirs) in enumerate(zip(expected, received, official)):
        value = msg.value()
        assert type(value) is Parcel, i
        assert_same_record(canonical(value), want, f"dataclass consumer, message {i}")
        assert_same_record(theirs["value"], want, f"3.13 consumer, message {i}")
        assert theirs["payload"] == msg.data(), i
    # The dataclass values decode to equal dataclasses (nested ones, Enum, None, defaults).
    assert [m.value() for m in received[: len(DATACLASS_VALUES)]] == DATACLASS_VALUES
    # 3.13's records and fastpulsar's are the same bytes.
    n = len(RECORD_VALUES)
    tail = received[len(DATACLASS_VALUES) :]
    assert [m.data() for m in tail[:n]] == [m.data() for m in tail[n:]]

    definition = dc_schema.schema_info().schema()
    assert out["schemas"][f"{kind}:Parcel"] == definition
    assert_one_version(admin, topic, kind, definition)


# --------------------------------------------------------------------------------------------
# 3. AutoConsumeSchema reads what 3.13 wrote
# --------------------------------------------------------------------------------------------


def plain(value: Any, kind: str) -> Any:
    """What a record's fields are once written with `kind` and read back as plain data:
    records as dicts, an Enum member by value (JSON, as 3.13 writes it) or by name (Avro),
    bytes as UTF-8 text in JSON."""
    if isinstance(value, Record):
        return {name: plain(getattr(value, name), kind) for name in value._fields}
    if isinstance(value, enum.Enum):
        return value.value if kind == "json" else value.name
    if isinstance(value, bytes) and kind == "json":
        return value.decode("utf-8")
    if isinstance(value, list):
        return [plain(x, kind) for x in value]
    if isinstance(value, dict):
        return {k: plain(x, kind) for k, x in value.items()}
    return value


@pytest.mark.standalone
def test_auto_consume_reads_3_13s_records(official_python, standalone_broker, sa_client):
    exprs = RECORD_SAMPLES["Registrable"]
    topics = {kind: new_topic(f"{kind}-auto") for kind in KINDS}
    out = run_record_peer(
        official_python,
        {
            "service_url": standalone_broker.service_url,
            "source": SHARED_SOURCE,
            "produce": [
                {"topic": topics[kind], "schema": kind, "record": "Registrable", "values": exprs}
                for kind in KINDS
            ],
        },
    )
    for index, kind in enumerate(KINDS):
        consumer = sa_client.subscribe(
            topics[kind], "auto", schema=AutoConsumeSchema(), initial_position=EARLIEST
        )
        received = receive_unique(consumer, len(exprs), ack=True)
        assert [str(m.message_id()) for m in received] == out["produced"][index]
        for expr, msg in zip(exprs, received):
            value = msg.value()
            want = plain(eval(expr, SHARED), kind)
            assert type(value) is dict, (kind, expr)
            assert list(value) == list(want), (kind, expr)
            for name, field in want.items():
                assert value[name] == field, (kind, expr, name)
        consumer.close()


# --------------------------------------------------------------------------------------------
# Found on the way
# --------------------------------------------------------------------------------------------


@pytest.mark.standalone
@pytest.mark.parametrize("kind", KINDS)
def test_a_record_with_an_optional_null_field_registers(sa_client, kind):
    # 3.13 writes ["null", "null"] for an optional Null() (the registry refuses it with
    # IncompatibleSchema: "Duplicate in union:null"); ours writes "null".
    cls = run_source(
        "from pulsar.schema import Integer, Null, Record\n"
        "class WithNull(Record):\n    n = Null()\n    i = Integer()\n",
        "with_null",
    )["WithNull"]
    topic = new_topic(f"{kind}-null")
    consumer = sa_client.subscribe(topic, "null", schema=schema_of(kind, cls))
    producer = sa_client.create_producer(topic, schema=schema_of(kind, cls))
    producer.send(cls(i=1))
    msg = consumer.receive(timeout_millis=10_000)
    assert msg.value() == cls(i=1)
    assert msg.value().n is None
    producer.close()
    consumer.close()
