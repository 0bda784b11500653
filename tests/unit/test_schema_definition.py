"""Record, its field types, JsonSchema and AvroSchema against pulsar-client 3.13.

The record classes and values of support.records run in both clients (3.13 through
``official_python``): schema documents, JSON text, Avro bytes, 3.13's decode of its own
bytes and the construction errors must be identical. No broker needed.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest
from support.records import DUMP_SOURCE, RECORDS_SOURCE
from support.schema_peer import run_source_json

import pulsar
from pulsar.schema import (
    Array,
    AvroSchema,
    CustomEnum,
    Double,
    Integer,
    JsonSchema,
    Long,
    Map,
    Record,
    String,
)
from pulsar.schema._json import encode_record

pytestmark = pytest.mark.interop


def _dump_locally(peer: dict[str, Any] | None) -> dict[str, Any]:
    ns: dict[str, Any] = {}
    exec(compile(DUMP_SOURCE, "dump", "exec"), ns)  # noqa: S102 - the dump both clients run
    # Through JSON, as the official side's dump comes (tuples become lists...).
    return json.loads(json.dumps(ns["dump"](RECORDS_SOURCE, peer)))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def official(official_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    stdin = {"source": RECORDS_SOURCE, "peer": None}
    return run_source_json(official_python, DUMP_SOURCE, tmp_path_factory.mktemp("official"), stdin)


@pytest.fixture(scope="module")
def ours(official: Any) -> Any:
    """Our dump, decoding the official client's bytes."""
    return _dump_locally(official)


SECTIONS = ["schemas", "schema_info", "json", "avro", "bad", "json_decoded", "avro_decoded"]


@pytest.mark.parametrize("section", SECTIONS)
def test_same_as_3_13(official, ours, section):
    assert official[section], "the dump has entries"
    assert set(ours[section]) == set(official[section])
    for name, expected in official[section].items():
        assert ours[section][name] == expected, f"{section}/{name}"


def test_the_dump_covers_successes_and_errors(official):
    # Guard against a dump that compares nothing but errors.
    assert all(v[0] == "ok" for v in official["schemas"].values())
    assert all(v[0] == "ok" for v in official["avro"].values())
    assert official["json"]["bytes_not_utf8"][0] == "err"
    assert all(v[0] == "err" for v in official["bad"].values())
    assert official["json_decoded"]["everything"][0] == "ok"


# --- JSON text: byte identity with json.dumps(indent=True) over awkward values -----------


def _reference(fields: dict[str, Any]) -> bytes:
    """3.13's JsonSchema encoding, as its documented recipe (json.dumps with indent=True)."""

    def default(o: Any) -> Any:
        if isinstance(o, enum.Enum):
            return o.value
        if isinstance(o, bytes):
            return o.decode()
        return {k: v for k, v in o.__dict__.items() if k not in Record_reserved}

    data = {k: v for k, v in fields.items() if k not in Record_reserved}
    return json.dumps(data, default=default, indent=True).encode()


Record_reserved = {"_default", "_required", "_required_default"}


class Hue(enum.Enum):
    A = "a\u00e9"
    B = 2.5


class Str(str, enum.Enum):
    X = "x"


class Obj:
    def __init__(self) -> None:
        self.p = [1, {"q": None}]
        self._default = "dropped"


AWKWARD = [
    "",
    '\u0000\u001f\u007f\u2028\ud800\U0001f600"\\/',
    0,
    -(2**70),
    True,
    False,
    None,
    0.0,
    -0.0,
    1e16,
    1e-7,
    123456789.123456789,
    float("nan"),
    float("inf"),
    -float("inf"),
    [],
    {},
    [[], {}, [[1]]],
    {"k": {"k": {"k": []}}},
    {3: "int key", 2.5: "float key", True: "t", None: "n"},
    (1, "tuple"),
    Hue.A,
    Hue.B,
    Str.X,
    b"utf-8 \xc3\xa9",
    Obj(),
    [Hue.A, b"x", Obj()],
]


@pytest.mark.parametrize("value", AWKWARD, ids=[f"v{i}" for i in range(len(AWKWARD))])
def test_json_text_equals_json_dumps(value):
    fields = {"_default": None, "_required": False, "a": value, "b": [value], "c": {"k": value}}
    assert encode_record(fields, "R") == _reference(fields)


def test_json_text_of_an_empty_record():
    assert encode_record({"_required": True}, "R") == _reference({"_required": True}) == b"{}"


class Loose(Record):
    blob = pulsar.schema.Bytes()


def test_non_serialisable_value_names_the_field_and_class():
    record = Loose(blob=object())  # 3.13's Bytes field checks nothing
    with pytest.raises(TypeError, match=r"field 'blob' of Loose.*'object'"):
        JsonSchema(Loose).encode(record)
    with pytest.raises(ValueError, match=r"field 'blob' of Loose"):  # fastavro's class
        AvroSchema(Loose).encode(record)


def test_wrong_record_class_is_rejected():
    class Other(Record):
        x = Integer()

    with pytest.raises(TypeError, match="expected type is"):
        JsonSchema(Loose).encode(Other(x=1))
    with pytest.raises(TypeError, match="expected type is"):
        AvroSchema(Loose).encode(Other(x=1))


# --- Record behaviour not covered by the dump -----------------------------------------------


class Pt(Record):
    x = Integer()
    y = String(default="d")


class Holder(Record):
    pt = Pt()


def test_eq_ne_str_and_hash():
    assert Pt(x=1) == Pt(x=1)
    assert Pt(x=1) != Pt(x=2)
    assert not (Pt(x=1) != Pt(x=1))  # noqa: SIM202 - __ne__ itself
    assert str(Pt(x=1)) == str(
        {"_required_default": False, "_default": None, "_required": False, "x": 1, "y": "d"}
    )
    with pytest.raises(TypeError):
        hash(Pt())


def test_unset_nested_records_are_not_shared():
    a, b = Holder(), Holder()
    assert a.pt == b.pt
    a.pt.x = 5  # type: ignore[assignment]
    assert b.pt.x is None  # 3.13 shares one instance: b.pt.x would be 5


def test_array_of_enum_schema_is_valid_avro():
    class E(enum.Enum):
        ONE = 1

    class WithEnums(Record):
        es = Array(CustomEnum(E))
        em = Map(CustomEnum(E))

    fields = WithEnums.schema()["fields"]
    # 3.13 writes "enum" as the item type, which no Avro parser accepts.
    assert fields[0]["type"][1] == {
        "type": "array",
        "items": {"type": "enum", "name": "E", "symbols": ["ONE"]},
    }
    assert fields[1]["type"][1] == {"type": "map", "values": "E"}
    schema = AvroSchema(WithEnums)
    value = schema.decode(schema.encode(WithEnums(es=[E.ONE], em={"k": E.ONE})))
    assert value.es == [E.ONE]
    assert value.em == {"k": E.ONE}


# --- dataclasses -------------------------------------------------------------------------


class Kind(enum.Enum):
    SMALL = 1
    BIG = 2


@dataclasses.dataclass
class DcInner:
    label: str
    weight: Optional[float] = None  # noqa: UP045 - get_type_hints on Python 3.9


@dataclasses.dataclass
class DcOuter:
    name: str
    count: int
    kind: Kind
    inner: DcInner
    tags: list[str]
    props: dict[str, int]
    blob: bytes = b""
    flag: bool = False
    maybe: Optional[DcInner] = None  # noqa: UP045 - get_type_hints on Python 3.9
    inners: list[DcInner] = dataclasses.field(default_factory=list)


class RcInner(Record):
    label = String(required=True)
    weight = Double(default=None, required_default=True)


class RcOuter(Record):
    name = String(required=True)
    count = Long(required=True)
    kind = CustomEnum(Kind, required=True)
    inner = RcInner(required=True)
    tags = Array(String(), required=True)
    props = Map(Long(), required=True)
    blob = pulsar.schema.Bytes(required=True)  # a bytes default stays out of the schema
    flag = pulsar.schema.Boolean(required=True, default=False, required_default=True)
    maybe = RcInner(default=None, required_default=True)
    inners = Array(RcInner(), required=True)


def _rename(schema: Any, old: str, new: str) -> Any:
    return json.loads(json.dumps(schema).replace(f'"{old}"', f'"{new}"'))


def _sample() -> DcOuter:
    return DcOuter(
        name="n\u00e9",
        count=2**40,
        kind=Kind.BIG,
        inner=DcInner("i", 0.5),
        tags=["a", "b"],
        props={"p": 1},
        blob=b"xy",
        maybe=DcInner("m"),
        inners=[DcInner("j", 1.0)],
    )


def _as_record(dc: DcOuter) -> RcOuter:
    def inner(x: DcInner | None) -> RcInner | None:
        return None if x is None else RcInner(label=x.label, weight=x.weight)

    return RcOuter(
        name=dc.name,
        count=dc.count,
        kind=dc.kind,
        inner=inner(dc.inner),
        tags=dc.tags,
        props=dc.props,
        blob=dc.blob,
        flag=dc.flag,
        maybe=inner(dc.maybe),
        inners=[inner(x) for x in dc.inners],
    )


@pytest.mark.parametrize("schema_cls", [JsonSchema, AvroSchema])
def test_dataclass_schema_and_bytes_equal_the_equivalent_record(schema_cls):
    dc_schema, rc_schema = schema_cls(DcOuter), schema_cls(RcOuter)
    expected = _rename(_rename(RcOuter.schema(), "RcOuter", "DcOuter"), "RcInner", "DcInner")
    assert json.loads(dc_schema.schema_info().schema()) == expected
    sample = _sample()
    data = dc_schema.encode(sample)
    assert data == rc_schema.encode(_as_record(sample))
    assert dc_schema.decode(data) == sample


def test_dataclass_bad_values_name_the_field():
    bad = _sample()
    bad.count = "many"  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"DcOuter.*'count'"):
        JsonSchema(DcOuter).encode(bad)
    missing = _sample()
    missing.inner = None  # type: ignore[assignment]
    with pytest.raises(TypeError, match="'inner'"):
        AvroSchema(DcOuter).encode(missing)
    with pytest.raises(TypeError, match="expected type is"):
        JsonSchema(DcOuter).encode(DcInner("x"))


def test_dataclass_unsupported_type_is_reported_at_construction():
    @dataclasses.dataclass
    class Bad:
        when: complex

    with pytest.raises(TypeError, match="'when' of dataclass Bad"):
        JsonSchema(Bad)


def test_schema_needs_a_record_class():
    with pytest.raises(TypeError, match="record_cls"):
        JsonSchema(int)
    with pytest.raises(AssertionError):
        AvroSchema(None)


# --- AvroSchema: writer schema resolution --------------------------------------------------


class V2(Record):
    a = Integer()
    b = String(default="new", required_default=True)


class V1(Record):
    a = Integer()


class _Info:
    def __init__(self, schema: str, kind: Any = pulsar.SchemaType.AVRO) -> None:
        self._schema, self._kind = schema, kind

    def schema_type(self) -> Any:
        return self._kind

    def schema(self) -> str:
        return self._schema


class _Client:
    def __init__(self, info: _Info) -> None:
        self.info, self.calls = info, 0

    def get_schema_info(self, topic: str, version: int) -> _Info:
        self.calls += 1
        return self.info


class _Msg:
    def __init__(self, data: bytes, version: int | None) -> None:
        self._data = data
        if version is not None:
            self._int_schema_version = lambda: version

    def data(self) -> bytes:
        return self._data

    def topic_name(self) -> str:
        return "persistent://public/default/t"

    def message_id(self) -> str:
        return "id"


def test_decode_message_reads_with_the_writer_schema():
    old = AvroSchema(V1).encode(V1(a=7))
    reader = AvroSchema(V2)
    client = _Client(_Info(json.dumps(V1.schema())))
    reader.attach_client(client)
    assert reader.decode_message(_Msg(old, 0)) == V2(a=7, b="new")
    assert reader.decode_message(_Msg(old, 0)) == V2(a=7, b="new")
    assert client.calls == 1, "the writer schema is fetched once per (topic, version)"


def test_decode_message_falls_back_to_the_reader_schema(caplog):
    own = AvroSchema(V2).encode(V2(a=1, b="x"))
    reader = AvroSchema(V2)
    assert reader.decode_message(_Msg(own, 3)) == V2(a=1, b="x")  # no client attached
    reader.attach_client(object())  # a client without get_schema_info
    assert reader.decode_message(_Msg(own, 3)) == V2(a=1, b="x")
    client = _Client(_Info("{}", pulsar.SchemaType.JSON))
    reader.attach_client(client)
    assert reader.decode_message(_Msg(own, 3)) == V2(a=1, b="x")
    assert "Failed to fetch the writer schema" in caplog.text
    assert reader.decode_message(_Msg(own, 3)) == V2(a=1, b="x")
    assert client.calls == 1, "a failed lookup is remembered, not repeated for every message"
    assert reader.decode_message(_Msg(own, None)) == V2(a=1, b="x")  # no version on msg
    assert reader.decode_message(_Msg(own, -1)) == V2(a=1, b="x")  # written without one
    assert client.calls == 1, "no lookup for a message without a schema version"


def test_decode_message_falls_back_when_the_writer_schema_does_not_read(caplog):
    own = AvroSchema(V2).encode(V2(a=1, b="x"))
    reader = AvroSchema(V2)
    # A writer schema the bytes do not match (a string where they hold an int): the
    # reader's own schema reads them, with a warning.
    wrong = {"type": "record", "name": "V2", "fields": [{"name": "a", "type": "string"}]}
    reader.attach_client(_Client(_Info(json.dumps(wrong))))
    assert reader.decode_message(_Msg(own, 5)) == V2(a=1, b="x")
    assert "Failed to decode" in caplog.text


# --- fastavro is optional ----------------------------------------------------------------


def test_without_fastavro_avro_schema_names_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['fastavro'] = None\n"
        "import pulsar.schema as s\n"
        "class R(s.Record):\n    x = s.Integer()\n"
        "s.JsonSchema(R).encode(R(x=1))\n"
        "try:\n    s.AvroSchema(R)\nexcept ImportError as e:\n    print('ImportError', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=str(tmp_path),  # the installed package, not the checkout's
    ).stdout
    assert out.startswith("ImportError")
    assert "pip install 'fastpulsar[avro]'" in out


NULL_FIELD_SOURCE = """
import json, pulsar.schema as s
class WithNull(s.Record):
    n = s.Null()
    i = s.Integer()
print(json.dumps({
    "definition": WithNull.schema(),
    "json": s.JsonSchema(WithNull).encode(WithNull(i=3)).decode(),
    "avro": list(s.AvroSchema(WithNull).encode(WithNull(i=3))),
}))
"""


def test_an_optional_null_field_is_null_not_a_duplicate_union(official_python, tmp_path):
    # 3.13 writes ["null", "null"] (a union Apache Pulsar refuses) and a union index in Avro
    # binary; ours writes "null" and nothing (README "differs"). JSON text is the same.
    theirs = run_source_json(official_python, NULL_FIELD_SOURCE, tmp_path)
    ours = run_source_json(sys.executable, NULL_FIELD_SOURCE, tmp_path)
    assert theirs["definition"]["fields"][0] == {"name": "n", "type": ["null", "null"]}
    assert ours["definition"]["fields"][0] == {"name": "n", "type": "null"}
    assert ours["definition"]["fields"][1] == theirs["definition"]["fields"][1]
    assert ours["json"] == theirs["json"]
    assert theirs["avro"] == [0, *ours["avro"]]  # 3.13: the union's branch index first


def test_every_schema_name_of_3_13_and_ours_is_there():
    names_3_13 = [
        "Record",
        "Field",
        "Null",
        "Boolean",
        "Integer",
        "Long",
        "Float",
        "Double",
        "Bytes",
        "String",
        "Array",
        "Map",
        "CustomEnum",
        "Schema",
        "BytesSchema",
        "StringSchema",
        "JsonSchema",
        "AvroSchema",
        "ProtobufNativeSchema",
    ]
    ours = ["KeyValueSchema", "KeyValueEncoding", "AutoConsumeSchema"]
    missing = [n for n in names_3_13 + ours if not hasattr(pulsar.schema, n)]
    assert missing == []
    assert set(names_3_13 + ours) <= set(pulsar.schema.__all__)
