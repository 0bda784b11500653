"""One wording for wrong types and out-of-range values, in the Python layer and in the
extension alike (see pulsar/_checks.py and src/runtime/errors.hpp). No broker needed:
every check here fails before any connection."""

from __future__ import annotations

import re

import pytest

import pulsar

TYPE_ERROR = re.compile(r"^Argument (\w+) is expected to be .+, not '(\w+)'$")
RANGE_ERROR = re.compile(r"^Argument (\w+) is out of range: (-?\d+) is not in \[(-?\d+), (\d+)\]$")

UNREACHABLE = "pulsar://127.0.0.1:9"  # never contacted: the checks fail first


def test_python_layer_type_error() -> None:
    with pytest.raises(pulsar.InvalidArgumentType) as info:
        pulsar.Client(UNREACHABLE, io_threads="1")  # type: ignore[arg-type]
    match = TYPE_ERROR.match(str(info.value))
    assert match is not None, str(info.value)
    assert match.groups() == ("io_threads", "str")
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, ValueError)


def test_python_layer_range_error() -> None:
    with pytest.raises(ValueError, match=RANGE_ERROR.pattern) as info:
        pulsar.Client(UNREACHABLE, io_threads=0)
    assert not isinstance(info.value, TypeError)
    match = RANGE_ERROR.match(str(info.value))
    assert match is not None, str(info.value)
    assert match.groups() == ("io_threads", "0", "1", str(2**31 - 1))


def test_python_layer_type_error_names_none() -> None:
    with pytest.raises(pulsar.InvalidArgumentType) as info:
        pulsar.Client(UNREACHABLE, operation_timeout_seconds=None)  # type: ignore[arg-type]
    match = TYPE_ERROR.match(str(info.value))
    assert match is not None, str(info.value)
    assert match.groups() == ("operation_timeout_seconds", "NoneType")


def test_extension_type_error() -> None:
    with pytest.raises(pulsar.InvalidArgumentType) as info:
        pulsar.MessageId.deserialize(5)  # type: ignore[arg-type]
    match = TYPE_ERROR.match(str(info.value))
    assert match is not None, str(info.value)
    assert match.groups() == ("message_id_bytes", "int")
    with pytest.raises(pulsar.InvalidArgumentType) as wrapped:
        pulsar.MessageId.wrap("not an id")  # type: ignore[arg-type]
    match = TYPE_ERROR.match(str(wrapped.value))
    assert match is not None, str(wrapped.value)
    assert match.groups() == ("msg_id", "str")


def test_schema_encode_type_error_keeps_pulsar_clients_wording() -> None:
    # The one exception to the common wording: pulsar-client 3.13's text, which user code
    # may match on.
    with pytest.raises(pulsar.InvalidArgumentType) as info:
        pulsar.schema.StringSchema().encode(5)
    assert str(info.value) == (
        "Invalid record obj of type <class 'int'> - expected type is <class 'str'>"
    )
