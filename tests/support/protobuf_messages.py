"""Protobuf message classes for the schema tests, built at run time (there is no protoc here).

Three .proto files, added to a private DescriptorPool from FileDescriptorProtos written out
below, the way protoc would describe them:

- ``fastpulsar/tests/base.proto`` (package ``fastpulsar.tests.base``): enum ``Color``.
- ``fastpulsar/tests/common.proto`` (``fastpulsar.tests.common``, imports base.proto):
  ``Address {street, number, color}``.
- ``fastpulsar/tests/person.proto`` (``fastpulsar.tests``, imports common.proto and
  base.proto): ``Person`` with scalars, a repeated field, a map, a message of the imported
  file, an enum of the twice-imported one, and a nested message type ``Person.Phone``.
- ``fastpulsar/tests/strict.proto`` (proto2): ``Strict {required string id}``, to send one
  that is missing a required field.

Standard library and ``google.protobuf`` only: the official client's peer script
(official_schema_peer.py, run by 3.13's interpreter) imports this module too.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

BASE_FILE = "fastpulsar/tests/base.proto"
COMMON_FILE = "fastpulsar/tests/common.proto"
PERSON_FILE = "fastpulsar/tests/person.proto"
STRICT_FILE = "fastpulsar/tests/strict.proto"
# The files a Person's schema carries, dependencies first.
PERSON_FILES = [BASE_FILE, COMMON_FILE, PERSON_FILE]

_F = descriptor_pb2.FieldDescriptorProto


def _field(
    name: str,
    number: int,
    kind: int,
    label: int = _F.LABEL_OPTIONAL,
    type_name: str | None = None,
) -> _F:
    field = _F(name=name, number=number, type=kind, label=label)  # type: ignore[arg-type]
    if type_name is not None:
        field.type_name = type_name
    return field


def _base_file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name=BASE_FILE, package="fastpulsar.tests.base", syntax="proto3"
    )
    color = file.enum_type.add(name="Color")
    for number, name in enumerate(["COLOR_UNSPECIFIED", "RED", "GREEN", "BLUE"]):
        color.value.add(name=name, number=number)
    return file


def _common_file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name=COMMON_FILE,
        package="fastpulsar.tests.common",
        syntax="proto3",
        dependency=[BASE_FILE],
    )
    address = file.message_type.add(name="Address")
    address.field.extend(
        [
            _field("street", 1, _F.TYPE_STRING),
            _field("number", 2, _F.TYPE_INT32),
            _field("color", 3, _F.TYPE_ENUM, type_name=".fastpulsar.tests.base.Color"),
        ]
    )
    return file


def _person_file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name=PERSON_FILE,
        package="fastpulsar.tests",
        syntax="proto3",
        dependency=[COMMON_FILE, BASE_FILE],
    )
    person = file.message_type.add(name="Person")
    phone = person.nested_type.add(name="Phone")
    phone.field.extend([_field("number", 1, _F.TYPE_STRING), _field("primary", 2, _F.TYPE_BOOL)])
    # map<string, int64> scores = 9: protoc's nested ScoresEntry with map_entry set.
    entry = person.nested_type.add(name="ScoresEntry")
    entry.options.map_entry = True
    entry.field.extend([_field("key", 1, _F.TYPE_STRING), _field("value", 2, _F.TYPE_INT64)])
    person.field.extend(
        [
            _field("name", 1, _F.TYPE_STRING),
            _field("id", 2, _F.TYPE_INT64),
            _field("height", 3, _F.TYPE_DOUBLE),
            _field("active", 4, _F.TYPE_BOOL),
            _field("photo", 5, _F.TYPE_BYTES),
            _field("tags", 6, _F.TYPE_STRING, _F.LABEL_REPEATED),
            _field("address", 7, _F.TYPE_MESSAGE, type_name=".fastpulsar.tests.common.Address"),
            _field(
                "phones",
                8,
                _F.TYPE_MESSAGE,
                _F.LABEL_REPEATED,
                type_name=".fastpulsar.tests.Person.Phone",
            ),
            _field(
                "scores",
                9,
                _F.TYPE_MESSAGE,
                _F.LABEL_REPEATED,
                type_name=".fastpulsar.tests.Person.ScoresEntry",
            ),
            _field("favourite", 10, _F.TYPE_ENUM, type_name=".fastpulsar.tests.base.Color"),
        ]
    )
    return file


def _strict_file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name=STRICT_FILE, package="fastpulsar.tests.strict", syntax="proto2"
    )
    strict = file.message_type.add(name="Strict")
    strict.field.extend(
        [
            _field("id", 1, _F.TYPE_STRING, _F.LABEL_REQUIRED),
            _field("note", 2, _F.TYPE_STRING),
        ]
    )
    return file


POOL = descriptor_pool.DescriptorPool()
for _proto in (_base_file(), _common_file(), _person_file(), _strict_file()):
    POOL.AddSerializedFile(_proto.SerializeToString())

# The generated-code equivalents: Message subclasses (typed as Any: they are made at run time).
Person: Any = message_factory.GetMessageClass(POOL.FindMessageTypeByName("fastpulsar.tests.Person"))
Address: Any = message_factory.GetMessageClass(
    POOL.FindMessageTypeByName("fastpulsar.tests.common.Address")
)
# (a class of its own: only upb's message classes have their nested types as attributes)
Phone: Any = message_factory.GetMessageClass(
    POOL.FindMessageTypeByName("fastpulsar.tests.Person.Phone")
)
Strict: Any = message_factory.GetMessageClass(
    POOL.FindMessageTypeByName("fastpulsar.tests.strict.Strict")
)
COLOR_BLUE = POOL.FindEnumTypeByName("fastpulsar.tests.base.Color").values_by_name["BLUE"].number


def make_person(i: int) -> Any:
    """A Person whose every field (and nested message, map entry, enum) depends on ``i``."""
    person = Person(
        name=f"person-{i} ✓",
        id=1_000_000_000_000 + i,
        height=1.5 + i / 8,
        active=i % 2 == 0,
        photo=bytes([i % 256, 0, 255]),
        tags=[f"t{i}", "shared"],
        address=Address(street=f"{i} Main St", number=i, color=COLOR_BLUE),
        phones=[Phone(number=f"+1-555-{i:04d}", primary=True)],
        favourite=(i % 3) + 1,
    )
    person.scores["a"] = i
    person.scores["b"] = -i
    return person


def person_as_dict(person: Any) -> dict[str, Any]:
    """A Person as plain JSON-able values, every field (defaults included), for comparisons."""
    return {
        "name": person.name,
        "id": person.id,
        "height": person.height,
        "active": person.active,
        "photo": list(person.photo),
        "tags": list(person.tags),
        "address": {
            "street": person.address.street,
            "number": person.address.number,
            "color": person.address.color,
        },
        "phones": [{"number": p.number, "primary": p.primary} for p in person.phones],
        "scores": dict(person.scores),
        "favourite": person.favourite,
    }
