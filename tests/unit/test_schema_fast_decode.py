"""The decode fast paths (pulsar.schema.definition.record_builder, _json.loads) against
pulsar-client 3.13: decoded records identical to 3.13's (fields, reserved attributes and
their order, str()), and wrong data raising 3.13's exception with 3.13's text. No broker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.schema_peer import run_source_json

from pulsar.schema import JsonSchema, Record, String
from pulsar.schema._json import loads

# Run by both clients: decodes each payload and prints, per case, the record's class name,
# its __dict__ items in order (canonical text), str(), or the exception's type and text.
CASES_SOURCE = r"""
import json, sys
from pulsar.schema import (AvroSchema, Boolean, Bytes, Double, Float, Integer, JsonSchema,
                           Long, Null, Record, String)


class Reading(Record):
    sensor = String(required=True)
    seq = Long(required=True)
    value = Double()
    ok = Boolean()
    unit = String()


class Defaults(Record):
    i = Integer(default=3)
    f = Float(default=1.5)
    s = String(default="d")
    b = Bytes()
    n = Null()


class Sorted(Record):
    _sorted_fields = True
    zeta = Integer()
    alpha = String()


class Named(Record):
    default = String()
    required = Integer()


class Custom(Record):
    a = Integer()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.__dict__["made_by_init"] = True


def canon(v):
    if isinstance(v, Record):
        return [type(v).__name__, [[k, canon(x)] for k, x in v.__dict__.items()], str(v)]
    if isinstance(v, bytes):
        return "bytes:" + v.hex()
    if isinstance(v, float):
        return "float:" + repr(v)
    return v


GOOD = '{\n "sensor": "s", "seq": 5, "value": 2.5, "ok": true, "unit": "c"\n}'
JSON = {
    "Reading": [
        GOOD,
        GOOD + "  \n\t",
        GOOD + "x",
        '{"sensor": "s", "seq": 5, "value": 2.5, "ok": true, "unit": null}',
        '{"sensor": "s", "seq": 5, "value": 2, "ok": false, "unit": "c"}',
        '{"sensor": "s", "seq": "5", "value": 2.5, "ok": true, "unit": "c"}',
        '{"sensor": 5, "seq": 5, "value": 2.5, "ok": true, "unit": "c"}',
        '{"sensor": null, "seq": 5, "value": 2.5, "ok": true, "unit": "c"}',
        '{"sensor": "s", "seq": true, "value": 2.5, "ok": true, "unit": "c"}',
        '{"sensor": "s", "seq": 5, "value": "2.5", "ok": true, "unit": "c"}',
        '{"sensor": "s", "seq": 5, "value": 2.5, "ok": null, "unit": "c"}',
        '{"sensor": "s", "seq": 5, "value": 2.5, "ok": 1, "unit": "c"}',
        '{"seq": 5, "sensor": "s", "value": 2.5, "ok": true, "unit": "c"}',
        '{"sensor": "s", "seq": 5, "value": 2.5, "ok": true}',
        '{"sensor": "s", "seq": 5, "value": 2.5, "ok": true, "unit": "c", "extra": 1}',
        '{"sensor": "s", "seq": 5, "value": NaN, "ok": true, "unit": "c"}',
        '{"sensor": "s\\u00e9\\ud83d\\ude00", "seq": 5, "value": 1e400, "ok": true, "unit": "c"}',
        '{"sensor": "s", "seq": 5',
        '{"sensor": "s" "seq": 5}',
        '{}',
        '[1, 2]',
        '"text"',
        '',
        '  {"sensor": "s", "seq": 5, "value": 2.5, "ok": true, "unit": "c"}',
        "utf16:" + GOOD,
        "bom:" + GOOD,
        "bad-utf8",
    ],
    "Defaults": [
        '{"i": 1, "f": 2, "s": "x", "b": "text", "n": null}',
        '{"i": null, "f": null, "s": null, "b": null, "n": null}',
        '{"i": 1, "f": 2.5, "s": "x", "b": null, "n": 1}',
    ],
    "Sorted": ['{"zeta": 1, "alpha": "a"}', '{"alpha": "a", "zeta": 1}'],
    "Named": ['{"default": "x", "required": 1}'],
    "Custom": ['{"a": 1}', '{"a": "1"}'],
}


def payload(text):
    if text.startswith("utf16:"):
        return text[6:].encode("utf-16")
    if text.startswith("bom:"):
        return b"\xef\xbb\xbf" + text[4:].encode()
    if text == "bad-utf8":
        return b'{"sensor": "\xff"}'
    return text.encode()


def attempt(f):
    try:
        return ["ok", canon(f())]
    except Exception as e:
        return ["err", type(e).__name__, str(e)]


def run():
    ns = globals()
    out = {"json": {}, "avro": {}}
    for name, texts in JSON.items():
        schema = JsonSchema(ns[name])
        out["json"][name] = [attempt(lambda: schema.decode(payload(t))) for t in texts]
    values = {
        "Reading": [dict(sensor="s", seq=5, value=2.5, ok=True, unit="c"),
                    dict(sensor="s", seq=5, value=None, ok=None, unit=None)],
        "Defaults": [dict(i=1, f=2.5, s="x", b=b"\x00", n=None), {}],
        "Sorted": [dict(zeta=1, alpha="a")],
        "Custom": [dict(a=1)],
    }
    for name, kwargs in values.items():
        schema = AvroSchema(ns[name])
        out["avro"][name] = [attempt(lambda: schema.decode(schema.encode(ns[name](**k))))
                             for k in kwargs]
    return out


if __name__ == "__main__" and sys.argv[:1] == ["-c"]:  # the official side (python -c)
    print(json.dumps(run()))
"""

pytestmark = pytest.mark.interop


def _ours() -> Any:
    ns: dict[str, Any] = {"__name__": "__main__"}  # as in the official run: same messages
    exec(compile(CASES_SOURCE, "cases", "exec"), ns)  # noqa: S102 - the cases both clients run
    return json.loads(json.dumps(ns["run"]()))


@pytest.fixture(scope="module")
def official(official_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run_source_json(official_python, CASES_SOURCE, tmp_path_factory.mktemp("official"))


@pytest.mark.parametrize("kind", ["json", "avro"])
def test_decoded_values_and_errors_are_3_13s(official, kind):
    ours = _ours()
    for name, expected in official[kind].items():
        assert len(ours[kind][name]) == len(expected), f"{kind} {name}: number of cases"
        for i, (got, want) in enumerate(zip(ours[kind][name], expected)):
            assert got == want, f"{kind} {name} case {i}"


def test_the_cases_cover_successes_and_errors(official):
    results = [r[0] for cases in official["json"].values() for r in cases]
    assert results.count("ok") >= 10
    assert results.count("err") >= 8


class Point(Record):
    x = String()
    y = String()


def test_the_fast_path_skips_init_and_the_slow_path_runs_it(monkeypatch):
    schema = JsonSchema(Point)  # the builder is made here, for Record.__init__
    calls: list[Any] = []
    original = Point.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Point, "__init__", counting)
    fast = schema.decode(b'{"x": "a", "y": "b"}')
    assert calls == []
    assert list(fast.__dict__) == ["_required_default", "_default", "_required", "x", "y"]
    with pytest.raises(TypeError, match=r"Invalid type .* for field 'y'"):
        schema.decode(b'{"x": "a", "y": 1}')  # a value to reject: through __init__
    assert calls == [{"x": "a", "y": 1}]


def test_loads_is_json_loads():
    for data in [b'{"a": [1, 2.5, "x", null]}  ', b"[1]", b'"s"']:
        assert loads(data) == json.loads(data)
    for data in [b'{"a": 1}x', b"{", b'{"a" 1}', b"{\xff}"]:
        expected = _error_of(json.loads, data)
        assert expected is not None
        assert _error_of(loads, data) == expected


def _error_of(f: Any, data: bytes) -> tuple[str, str] | None:
    try:
        f(data)
    except ValueError as exc:
        return type(exc).__name__, str(exc)
    return None
