"""JSON text byte-identical to pulsar-client 3.13's JsonSchema, without its slow path.

3.13 encodes a record with ``json.dumps(fields, default=..., indent=True)``: one-space
indentation, "," and ": " separators, ASCII escapes, NaN/Infinity allowed, and a default
that turns an Enum into its value, bytes into their UTF-8 text and any other object (a
nested record) into its ``__dict__`` without the reserved keys. With an indent, CPython's
json runs in pure Python. This module writes the same text directly: scalars through the C
helpers json itself uses (``encode_basestring_ascii``, ``int.__repr__``,
``float.__repr__``), containers by hand, each key's text computed once per depth.

Any value json would reject is reported as a TypeError naming the field and the record class.

``loads`` reads a message's JSON as ``json.loads`` does, without its per-call overhead when
the bytes are a UTF-8 object (3.13's and our own output).
"""

from __future__ import annotations

import json
from enum import Enum
from json.encoder import encode_basestring_ascii
from json.scanner import make_scanner
from math import isnan
from typing import Any, Callable

from pulsar.schema.definition import RESERVED

_esc: Callable[[str], str] = encode_basestring_ascii
_int_repr = int.__repr__
_float_repr = float.__repr__
_INF = float("inf")

# _KEYS[level][key] is the text before a key's value at that depth: newline, indent, key.
_KEYS: list[dict[str, str]] = []


class _Unserialisable(Exception):
    """A value json cannot write; carries its type for the caller's message."""

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.value = value


def _float(v: float) -> str:
    if isnan(v):
        return "NaN"
    if v == _INF:
        return "Infinity"
    if v == -_INF:
        return "-Infinity"
    return _float_repr(v)


def _key_text(key: Any) -> str:
    """json's conversion of a dict key to a string (skipkeys=False)."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return _int_repr(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _prefix(level: int, key: str) -> str:
    while len(_KEYS) <= level:
        _KEYS.append({})
    table = _KEYS[level]
    text = table.get(key)
    if text is None:
        text = "\n" + " " * level + _esc(key) + ": "
        if len(table) < 4096:
            table[key] = text
    return text


def value_text(v: Any, level: int) -> str:
    """The JSON text of `v` at depth `level` (its own line's indentation)."""
    t = type(v)
    if t is str:
        return _esc(v)
    if t is int:
        return _int_repr(v)
    if t is float:
        return _float(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is dict:
        return dict_text(v, level)
    if t is list or t is tuple:
        return list_text(v, level)
    return _other_text(v, level)


def _other_text(v: Any, level: int) -> str:
    # Subclasses of the JSON types, in json's own order, then 3.13's default().
    if isinstance(v, str):
        return _esc(v)
    if isinstance(v, int):
        return _int_repr(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, (list, tuple)):
        return list_text(v, level)
    if isinstance(v, dict):
        return dict_text(v, level)
    if isinstance(v, Enum):
        return value_text(v.value, level)
    if isinstance(v, bytes):
        return _esc(v.decode())
    fields = getattr(v, "__dict__", None)
    if fields is None:
        raise _Unserialisable(v)
    return record_text(fields, level)


def dict_text(d: dict[Any, Any], level: int) -> str:
    if not d:
        return "{}"
    inner = level + 1
    parts = [_prefix(inner, _key_text(k)) + value_text(v, inner) for k, v in d.items()]
    return "{" + ",".join(parts) + "\n" + " " * level + "}"


def record_text(d: dict[str, Any], level: int) -> str:
    """A record's ``__dict__`` as 3.13 writes it: the reserved keys left out."""
    inner = level + 1
    parts = [_prefix(inner, k) + value_text(v, inner) for k, v in d.items() if k not in RESERVED]
    if not parts:
        return "{}"
    return "{" + ",".join(parts) + "\n" + " " * level + "}"


def list_text(items: list[Any] | tuple[Any, ...], level: int) -> str:
    if not items:
        return "[]"
    inner = level + 1
    sep = ",\n" + " " * inner
    return (
        "[" + sep[1:] + sep.join([value_text(v, inner) for v in items]) + "\n" + " " * level + "]"
    )


def _field_of(fields: dict[str, Any], bad: Any) -> str | None:
    """The name of the field whose value holds `bad` (for the error message)."""

    def holds(v: Any) -> bool:
        if v is bad:
            return True
        if isinstance(v, dict):
            return any(holds(x) for x in v.values())
        if isinstance(v, (list, tuple)):
            return any(holds(x) for x in v)
        inner = getattr(v, "__dict__", None)
        return isinstance(inner, dict) and any(holds(x) for x in inner.values())

    for name, v in fields.items():
        if name not in RESERVED and holds(v):
            return name
    return None


def encode_record(fields: dict[str, Any], owner: str) -> bytes:
    """The UTF-8 JSON of a record's ``__dict__``; `owner` names its class in errors."""
    try:
        return record_text(fields, 0).encode()
    except _Unserialisable as exc:
        name = _field_of(fields, exc.value)
        where = f"field '{name}' of {owner}" if name else owner
        raise TypeError(
            f"Cannot encode {where} as JSON: a value of type "
            f"'{type(exc.value).__name__}' is not JSON serialisable"
        ) from None
    except RecursionError:
        raise ValueError(f"Cannot encode {owner} as JSON: circular reference detected") from None


# json's own (C) scanner, as json.loads uses it with the default decoder.
_scan_once: Callable[[str, int], tuple[Any, int]] = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def loads(data: bytes) -> Any:
    """``json.loads(data)``: the same value, and the same error for bad input.

    Any thread, GIL held. Bytes that start with "{" and a non-zero byte are UTF-8 to json
    (no BOM, not UTF-16/32), so they are decoded and scanned directly; whatever the direct
    path does not accept (bad UTF-8, bad JSON, trailing data) goes through json.loads.
    """
    if data[:1] == b"{" and data[1:2] != b"\x00":
        try:
            text = data.decode()
            value, end = _scan_once(text, 0)
        except Exception:  # noqa: BLE001 - json.loads below raises json's own error
            return json.loads(data)
        if end == len(text) or not text[end:].strip(" \t\n\r"):
            return value
    return json.loads(data)


def record_decoder(build: Callable[[Any], Any]) -> Callable[[bytes], Any]:
    """``lambda data: build(loads(data))`` in one call (the per-message path of value()).
    Any thread, GIL held; raises what json.loads or build raise."""
    scan = _scan_once
    json_loads = json.loads

    def decode(data: bytes) -> Any:
        if data[:1] == b"{" and data[1:2] != b"\x00":
            try:
                text = data.decode()
                value, end = scan(text, 0)
            except Exception:  # noqa: BLE001 - json.loads below raises json's own error
                return build(json_loads(data))
            if end == len(text) or not text[end:].strip(" \t\n\r"):
                return build(value)
        return build(json_loads(data))

    return decode
