"""Record definitions and sample values shared by the schema tests, as source text.

The same text runs in fastpulsar and, through ``official_python``, in pulsar-client 3.13
(``CASES`` below is executed in both), so the two clients see identical classes and values.
The official client's peer (official_schema_peer.py) imports this module in its own venv:
nothing here may import more than the standard library.
"""

from __future__ import annotations

RECORDS_SOURCE = r"""
import math
from enum import Enum, IntEnum
from pulsar.schema import (
    Array, Boolean, Bytes, CustomEnum, Double, Float, Integer, Long, Map, Null, Record, String,
)


class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


class Size(IntEnum):
    S = 10
    L = 20


class Point(Record):
    x = Integer()
    y = Double()


class Inner(Record):
    _avro_namespace = "my.ns"
    label = String()
    weight = Float(default=1.5, required_default=True)


class Everything(Record):
    n = Null(required=True)  # an optional Null() is where we differ: its own test
    b = Boolean()
    i = Integer()
    l = Long(required=True)
    f = Float()
    d = Double(required=True, default=2.5, required_default=True)
    by = Bytes()
    s = String(default="dflt", required_default=True)
    color = Color
    size = CustomEnum(Size, default=Size.L, required_default=True)
    tags = Array(String())
    matrix = Array(Array(Integer()))
    points = Array(Point())
    props = Map(String())
    scores = Map(Double())
    nested_map = Map(Map(Long()))
    point_map = Map(Point())
    inner = Inner(required=True)
    inner2 = Inner()
    point = Point


class Sorted(Record):
    _sorted_fields = True
    zeta = Integer()
    alpha = String()
    mid = Boolean()


class Spaced(Record):
    _avro_namespace = "com.example"
    a = Integer()
    first = Inner()
    second = Inner(required=True)


class Five(Record):
    name = String()
    count = Integer()
    price = Double()
    ok = Boolean()
    payload = Bytes()


SCHEMAS = [Point, Inner, Everything, Sorted, Spaced, Five]


def everything(**overrides):
    values = dict(
        b=True, i=-7, l=2**40, f=1e16, d=-0.0, by=b"\x00raw \xc3\xa9", s="h\u00e9llo \"q\" \\ \n\t\x01 \u2603 \U0001f600",
        color=Color.GREEN, size=Size.S, tags=["a", "\u00e9", ""], matrix=[[1, 2], [], [3]],
        points=[Point(x=1, y=2.0), Point(x=-1, y=1e-300)], props={"k": "v", "\u00e9": "\u00fc"},
        scores={"nan": 0.1, "big": 1.7976931348623157e308}, nested_map={"a": {"b": 2**62}},
        point_map={"p": Point(x=3, y=0.5)}, inner=Inner(label="in", weight=3.25),
        inner2=None, point=Point(x=0, y=-2.5),
    )
    values.update(overrides)
    return Everything(**values)


# (record class name, a function making the sample) for the encode/decode comparisons.
SAMPLES = {
    "point": lambda: Point(x=1, y=2.5),
    "point_defaults": lambda: Point(),
    "everything": everything,
    "everything_defaults": lambda: Everything(l=1, inner=Inner()),
    "everything_enum_by_name": lambda: everything(color="BLUE", size=20),
    "everything_str_bytes": lambda: everything(by="text", s=b"bytes"),
    "everything_empty": lambda: everything(tags=[], props={}, matrix=[], points=[]),
    "everything_dicts": lambda: everything(inner={"label": "d", "weight": 2}, points=[{"x": 5, "y": 1}]),
    "sorted": lambda: Sorted(zeta=1, alpha="a", mid=False),
    "spaced": lambda: Spaced(a=1, first=Inner(label="f"), second=Inner(label="s")),
    "five": lambda: Five(name="n", count=3, price=9.99, ok=True, payload=b"abc"),
}

# JSON only: values Avro cannot take, and bytes that are not UTF-8 (an error in both).
JSON_ONLY_SAMPLES = {
    "bytes_not_utf8": lambda: Five(payload=b"\xff\x00"),
    "nan_inf": lambda: Five(price=float("nan"), name="\u0000\x7f\u0080\ud7ff"),
    "inf": lambda: Five(price=float("inf")),
    "neg_inf": lambda: Five(price=-float("inf"), count=True),
    "big_int": lambda: Five(count=10**30, price=5),
}

# Constructions that fail: (label, function); both clients' exception type and text compared.
BAD = {
    "int_as_str": lambda: Point(x="1"),
    "float_as_str": lambda: Point(y="1.0"),
    "undeclared": lambda: setattr(Point(), "z", 1),
    "null_not_none": lambda: Everything(n=1, l=1),
    "string_int": lambda: Five(name=5),
    "bool_as_str": lambda: Everything(b="yes", l=1),
    "enum_bad_name": lambda: Everything(color="PURPLE", l=1),
    "enum_bad_value": lambda: Everything(color=99, l=1),
    "enum_bad_type": lambda: Everything(color=1.5, l=1),
    "array_not_list": lambda: Everything(tags="abc", l=1),
    "array_bad_item": lambda: Everything(tags=[1], l=1),
    "map_bad_key": lambda: Everything(props={1: "a"}, l=1),
    "map_bad_value": lambda: Everything(props={"a": 1}, l=1),
    "map_not_dict": lambda: Everything(props=[1], l=1),
    "subrecord_bad": lambda: Everything(inner=Point(), l=1),
    "string_required_none": lambda: Everything(l=1, inner=Inner(), s=None).__setattr__("l", None),
    "array_of_class": lambda: Array(String),
    "map_of_class": lambda: Map(int),
    "custom_enum_not_enum": lambda: CustomEnum(int),
    "field_bad_default": lambda: Integer(default="x"),
}
"""

# Run in both clients with SOURCE (the text above) and PEER (None, or the other client's
# dump, whose bytes are then decoded): prints a JSON dump of schema documents, encodings,
# decoded values (in a canonical form) and the errors of BAD.
DUMP_SOURCE = r"""
import enum, json, sys
from pulsar.schema import AvroSchema, JsonSchema, Record


def canon(v):
    if isinstance(v, Record):
        return {"record": type(v).__name__, "fields": {k: canon(getattr(v, k)) for k in v._fields}}
    if isinstance(v, enum.Enum):
        return "enum:" + type(v).__name__ + "." + v.name
    if isinstance(v, bytes):
        return "bytes:" + v.hex()
    if isinstance(v, float):
        return "float:" + repr(v)
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    return v


def attempt(f):
    try:
        return ["ok", f()]
    except Exception as e:
        return ["err", type(e).__name__, str(e)]


def dump(source, peer):
    ns = {}
    exec(compile(source, "records", "exec"), ns)
    out = {"schemas": {}, "schema_info": {}, "json": {}, "avro": {}, "bad": {},
           "json_decoded": {}, "avro_decoded": {}}
    for cls in ns["SCHEMAS"]:
        out["schemas"][cls.__name__] = attempt(lambda: cls.schema())
        out["schema_info"][cls.__name__] = attempt(lambda: JsonSchema(cls).schema_info().schema())
    samples = {**ns["SAMPLES"], **ns["JSON_ONLY_SAMPLES"]}
    for name, make in samples.items():
        cls = type(make())
        out["json"][name] = attempt(lambda: JsonSchema(cls).encode(make()).decode())
        encoded = (peer or out)["json"][name]
        if encoded[0] == "ok":
            data = encoded[1].encode()
            out["json_decoded"][name] = attempt(lambda: canon(JsonSchema(cls).decode(data)))
    for name, make in ns["SAMPLES"].items():
        cls = type(make())
        out["avro"][name] = attempt(lambda: AvroSchema(cls).encode(make()).hex())
        encoded = (peer or out)["avro"][name]
        if encoded[0] == "ok":
            data = bytes.fromhex(encoded[1])
            out["avro_decoded"][name] = attempt(lambda: canon(AvroSchema(cls).decode(data)))
    definition = ns["Five"].schema()
    as_dict = AvroSchema(None, schema_definition=definition)
    out["avro"]["dict_definition"] = attempt(
        lambda: as_dict.encode({"name": "d", "count": 1, "price": 0.5, "ok": None, "payload": b"p"}).hex()
    )
    for name, f in ns["BAD"].items():
        out["bad"][name] = attempt(lambda: (f(), None)[1])
    return out


if __name__ == "__main__":
    given = json.loads(sys.stdin.read())
    print(json.dumps(dump(given["source"], given["peer"])))
"""
