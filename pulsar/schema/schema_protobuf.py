"""ProtobufNativeSchema: protobuf messages in their own binary encoding (extra `protobuf`).

The schema registered with the broker is pulsar-client 3.13's (and the Java client's
ProtobufNativeSchemaData): a JSON object whose ``fileDescriptorSet`` is the base64 of a
FileDescriptorSet holding the message's .proto file and, before it, every file it imports
(each once, dependencies first), with ``rootMessageTypeName`` and ``rootFileDescriptorName``.
protobuf is imported when a schema is made, not with pulsar.schema.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pulsar._enums import SchemaType
from pulsar.exceptions import InvalidArgumentType
from pulsar.schema.schema import Schema

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import FileDescriptorProto, FileDescriptorSet
    from google.protobuf.message import Message

INSTALL_HINT = "pip install 'fastpulsar[protobuf]'"


def _message_base() -> type[Message]:
    """google.protobuf's Message class; ImportError naming the extra if protobuf is missing."""
    try:
        from google.protobuf.message import Message
    except ImportError as exc:
        raise ImportError(
            f"ProtobufNativeSchema needs the protobuf package: {INSTALL_HINT}"
        ) from exc
    return Message


class _File(Protocol):
    """A .proto file's descriptor, of either of protobuf's implementations (Python, upb)."""

    @property
    def name(self) -> str: ...
    @property
    def dependencies(self) -> Sequence[_File]: ...
    def CopyToProto(self, proto: FileDescriptorProto, /) -> None: ...


def _add_file(file: _File, seen: set[str], out: FileDescriptorSet) -> None:
    """Append ``file`` to ``out`` after the files it imports, each file once."""
    if file.name in seen:
        return
    seen.add(file.name)
    for dependency in file.dependencies:
        _add_file(dependency, seen, out)
    proto = out.file.add()
    file.CopyToProto(proto)
    # protobuf's pure-Python implementation (the only one on a free-threaded 3.13, which has
    # no upb wheel) writes the default syntax "proto2" out; upb and C++ leave it unset. The
    # definition must be the same bytes whichever protobuf runs: unset, as upb gives it.
    if proto.syntax == "proto2":
        proto.ClearField("syntax")


def schema_definition(message_cls: type[Message]) -> dict[str, str]:
    """The ProtobufNativeSchemaData of a message class, as a dict in 3.13's key order."""
    from google.protobuf.descriptor_pb2 import FileDescriptorSet

    descriptor = message_cls.DESCRIPTOR
    files = FileDescriptorSet()
    _add_file(descriptor.file, set(), files)
    return {
        "fileDescriptorSet": base64.b64encode(files.SerializeToString()).decode("ascii"),
        "rootMessageTypeName": descriptor.full_name,
        "rootFileDescriptorName": descriptor.file.name,
    }


class ProtobufNativeSchema(Schema):
    """Messages of one protobuf class (`record_cls`, a google.protobuf Message subclass),
    sent as ``SerializeToString()`` and decoded with ``FromString()``.

    Needs protobuf (`pip install 'fastpulsar[protobuf]'`).

    Args:
        record_cls: The generated protobuf message class of the values.

    Raises:
        InvalidArgumentType: `record_cls` is not a protobuf message class.
    """

    _record_cls: type[Message]

    def __init__(self, record_cls: type[Message]) -> None:
        message_base = _message_base()
        if not (isinstance(record_cls, type) and issubclass(record_cls, message_base)):
            raise InvalidArgumentType(
                "Argument record_cls is expected to be a protobuf message class (a subclass "
                f"of google.protobuf.message.Message), not {record_cls!r}"
            )
        super().__init__(
            record_cls,
            SchemaType.PROTOBUF_NATIVE,
            schema_definition(record_cls),
            "PROTOBUF_NATIVE",
        )

    def encode(self, obj: Any) -> bytes:
        """The serialized protobuf message `obj`."""
        self._validate_object_type(obj)
        data: bytes = obj.SerializeToString()
        return data

    def decode(self, data: bytes) -> Message:
        """The protobuf message (of `record_cls`) serialized in `data`."""
        return self._record_cls.FromString(data)

    def __str__(self) -> str:
        return f"ProtobufNativeSchema({self._record_cls.__name__})"
