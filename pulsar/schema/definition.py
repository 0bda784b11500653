"""Record and its field types, with pulsar-client 3.13's interface and error messages.

A Record subclass declares its fields as class attributes (Field instances, nested Record
classes or instances, Python Enum classes). The metaclass collects them once per class
(`_fields`, in declaration order) and precomputes what construction needs, so building a
record (by the user, or by a schema's decode) is one pass over a tuple.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from enum import Enum, EnumMeta
from typing import Any

# The attributes of a Record instance that are not fields (they describe the record when it
# is itself the type of a field of another record).
RESERVED = frozenset({"_default", "_required", "_required_default"})


def _name_of(x: Any) -> str:
    return x.__name__ if hasattr(x, "__name__") else str(x)


def _check_record_or_field(x: Any) -> None:
    # 3.13's check, kept as is: only plain classes that are not Records are rejected.
    if type(x) is type and not issubclass(x, Record) and not isinstance(x, Field):
        raise Exception(f"Argument {_name_of(x)} is not a Record or a Field")  # noqa: TRY002 - 3.13's class


def _value_schema(item: Any, defined_names: set[str]) -> Any:
    """The schema of an array's items or a map's values."""
    if isinstance(item, (Array, Map, Record, CustomEnum)):
        return item.schema_info(defined_names)
    return item.type()


class RecordMeta(type):
    """Collects a Record subclass's own fields once, when the class is created."""

    def __new__(
        metacls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]
    ) -> RecordMeta:
        if name != "Record" or bases:
            fields: OrderedDict[str, Any] = OrderedDict()
            for key, value in namespace.items():
                if isinstance(value, EnumMeta):
                    value = CustomEnum(value)  # type: ignore[arg-type]
                elif type(value) is RecordMeta:
                    value = value()
                if isinstance(value, (Record, Field)):
                    fields[key] = value
            namespace["_fields"] = fields
            namespace["_required"] = False
        cls = super().__new__(metacls, name, bases, namespace)
        return cls


class Record(metaclass=RecordMeta):
    """A record of typed fields (class attributes), as pulsar-client 3.13's Record.

    Declare the fields as class attributes, then build records with their values as
    keyword arguments:

        class Order(Record):
            id = Long(required=True)
            item = String()

        order = Order(id=1, item="book")

    A nested record's value may be given as a dict. `JsonSchema(Order)` and
    `AvroSchema(Order)` encode such records.

    Args:
        default: When the record is a field of another record: its default value.
        required_default: When the record is a field: whether the schema document
            states its default.
        required: When the record is a field: whether it may not be null.
        *args: Ignored (accepted as pulsar-client does).
        **kwargs: The values of the fields, by name (a field not given takes its
            default).
    """

    _fields: OrderedDict[str, Any]
    _default: Any
    _required: bool
    _required_default: bool
    _avro_namespace: str | None = None
    _sorted_fields: bool = False

    def __init__(
        self,
        default: Any = None,
        required_default: bool = False,
        required: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        d = self.__dict__
        d["_required_default"] = required_default
        d["_default"] = default
        d["_required"] = required
        for name, field in self._fields.items():
            if name in kwargs:
                d[name] = field.validate_type(name, _from_plain(field, kwargs[name]))
            elif isinstance(field, Record):
                # 3.13 shares the class's own instance between all records; a copy keeps
                # one record's changes out of the others.
                d[name] = copy.copy(field)
            else:
                d[name] = field.default()

    @classmethod
    def schema(cls) -> dict[str, Any]:
        """The record's Avro schema document (a dict), as the broker registers it."""
        return cls.schema_info(set())  # type: ignore[return-value]

    @classmethod
    def schema_info(cls, defined_names: set[str]) -> dict[str, Any] | str:
        """The record's schema document, or only its name when `defined_names` holds it
        already (a record used twice is defined once); adds its name there."""
        namespace = cls._avro_namespace
        full_name = cls.__name__ if namespace is None else f"{namespace}.{cls.__name__}"
        if full_name in defined_names:
            return full_name
        defined_names.add(full_name)
        schema: dict[str, Any] = {"type": "record", "name": cls.__name__}
        if namespace is not None:
            schema["namespace"] = namespace
        names = sorted(cls._fields) if cls._sorted_fields else list(cls._fields)
        fields = []
        for name in names:
            field = cls._fields[name]
            field_type = field.schema_info(defined_names)
            if not field._required and field_type != "null":
                # (3.13 also writes ["null", "null"] for an optional Null(): a union
                # with a duplicate, which Apache Pulsar's registry refuses.)
                field_type = ["null", field_type]
            if field.required_default():
                default = field.default()
                if isinstance(default, Enum):
                    default = default.name
                fields.append({"name": name, "default": default, "type": field_type})
            else:
                fields.append({"name": name, "type": field_type})
        schema["fields"] = fields
        return schema

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in RESERVED:
            field = self._fields.get(key)
            if field is None:
                raise AttributeError(f"Cannot set undeclared field {key} on record")
            value = field.validate_type(key, value)
        self.__dict__[key] = value

    def __eq__(self, other: object) -> bool:
        return all(getattr(self, name) == getattr(other, name) for name in self._fields)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return str(self.__dict__)

    def type(self) -> str:
        """The record's type name (its class name)."""
        return self.__class__.__name__

    def python_type(self) -> Any:
        """The Python class of the field's values (for a record: its class)."""
        return self.__class__

    def validate_type(self, name: str, val: Any) -> Any:
        """The value `val` of the field `name`, checked (and converted where the field
        allows it); TypeError when it does not fit."""
        if val is None and not self._required:
            return self.default()
        if not isinstance(val, self.__class__):
            raise TypeError(
                f"Invalid type '{type(val)}' for sub-record field '{name}'. "
                f"Expected: {_name_of(self.__class__)}"
            )
        return val

    def default(self) -> Any:
        """The field's default value."""
        return self._default

    def required_default(self) -> bool:
        """Whether the schema document states the field's default."""
        return self._required_default


def _from_plain(field: Any, value: Any) -> Any:
    """A record's value given as plain data (dicts for records), as Record(**kwargs) takes it."""
    if isinstance(field, Record):
        if isinstance(value, dict):
            return type(field)(**value)
    elif isinstance(field, Array):
        if (
            isinstance(value, list)
            and value
            and isinstance(field.array_type, Record)
            and isinstance(value[0], dict)
        ):
            cls = type(field.array_type)
            return [cls(**item) for item in value]
        if isinstance(value, list) and isinstance(field.array_type, CustomEnum):
            # Enum items arrive as names (Avro) or values (JSON); 3.13 cannot read these.
            convert = field.array_type.validate_type
            return [convert("items", item) for item in value]
    elif isinstance(field, Map):
        if (
            isinstance(value, dict)
            and value
            and isinstance(field.value_type, Record)
            and isinstance(next(iter(value.values())), dict)
        ):
            cls = type(field.value_type)
            return {k: cls(**v) for k, v in value.items()}
        if isinstance(value, dict) and isinstance(field.value_type, CustomEnum):
            convert = field.value_type.validate_type
            return {k: convert("values", v) for k, v in value.items()}
    return value


class Field:
    """A typed field of a Record: the base class of `Boolean`, `Integer`, `String`, ...

    Args:
        default: The value of the field when a record is built without it.
        required: Whether the field may not be null (its schema type is then not a union
            with "null").
        required_default: Whether the schema document states the default.
    """

    _python_type: Any = object
    _type_name = ""

    def __init__(
        self, default: Any = None, required: bool = False, required_default: bool = False
    ) -> None:
        if default is not None:
            default = self.validate_type("default", default)
        self._default = default
        self._required_default = required_default
        self._required = required

    def type(self) -> str:
        """The field's Avro type name ("int", "string", ...)."""
        return self._type_name

    def python_type(self) -> Any:
        """The Python type (or types) of the field's values."""
        return self._python_type

    def validate_type(self, name: str, val: Any) -> Any:
        """The value `val` of the field `name`, checked (and converted where the field
        allows it); TypeError when it does not fit."""
        if val is None and not self._required:
            return self.default()
        if not isinstance(val, self._python_type):
            raise TypeError(
                f"Invalid type '{type(val)}' for field '{name}'. "
                f"Expected: {_name_of(self._python_type)}"
            )
        return val

    def schema(self) -> Any:
        """The field's type in a schema document."""
        return self.type()

    def schema_info(self, defined_names: set[str]) -> Any:
        """The field's type in a schema document; a named type (record, enum) already in
        `defined_names` is given by its name only."""
        return self.type()

    def default(self) -> Any:
        """The field's default value."""
        return self._default

    def required_default(self) -> bool:
        """Whether the schema document states the field's default."""
        return self._required_default


class Null(Field):
    """A field that is always None (Avro "null")."""

    _python_type = type(None)
    _type_name = "null"

    def validate_type(self, name: str, val: Any) -> Any:
        if val is not None:
            raise TypeError(f"Field {name} is set to be None")
        return val


class Boolean(Field):
    """A bool field (Avro "boolean"); its default is False."""

    _python_type = bool
    _type_name = "boolean"

    def default(self) -> Any:
        return False if self._default is None else self._default


class Integer(Field):
    """A 32-bit int field (Avro "int")."""

    _python_type = int
    _type_name = "int"


class Long(Field):
    """A 64-bit int field (Avro "long")."""

    _python_type = int
    _type_name = "long"


class Float(Field):
    """A 32-bit float field (Avro "float"); takes ints too."""

    _python_type = (float, int)
    _type_name = "float"


class Double(Field):
    """A 64-bit float field (Avro "double"); takes ints too."""

    _python_type = (float, int)
    _type_name = "double"


class Bytes(Field):
    """A bytes field (Avro "bytes"); a str is stored as its UTF-8 bytes."""

    _python_type = (bytes, str)
    _type_name = "bytes"

    def validate_type(self, name: str, val: Any) -> Any:
        # 3.13 checks nothing here: a str becomes its UTF-8 bytes, anything else is kept
        # (and fails when encoded).
        if isinstance(val, str):
            return val.encode()
        return val


class String(Field):
    """A str field (Avro "string"); bytes are decoded as UTF-8."""

    _python_type = (str, bytes)
    _type_name = "string"

    def validate_type(self, name: str, val: Any) -> Any:
        if type(val) is str:
            return val
        if val is None and not self._required:
            return self.default()
        if isinstance(val, bytes):
            return val.decode()
        if not isinstance(val, str):
            raise TypeError(f"Invalid type '{type(val)}' for field '{name}'. Expected a string")
        return val


class CustomEnum(Field):
    """A field whose values are members of `enum_type` (given as members, names or values).

    Args:
        enum_type: The `enum.Enum` subclass of the values.
        default: The value of the field when a record is built without it.
        required: Whether the field may not be null.
        required_default: Whether the schema document states the default.
    """

    _type_name = "enum"

    def __init__(
        self,
        enum_type: type[Enum],
        default: Any = None,
        required: bool = False,
        required_default: bool = False,
    ) -> None:
        if not issubclass(enum_type, Enum):
            raise Exception(f"{_name_of(enum_type)} is not a valid Enum type")  # noqa: TRY002, TRY004 - 3.13's
        self.enum_type = enum_type
        self.values: dict[Any, Enum] = {m.value: m for m in enum_type.__members__.values()}
        super().__init__(default, required, required_default)

    def python_type(self) -> Any:
        return self.enum_type

    def validate_type(self, name: str, val: Any) -> Any:
        if val is None:
            return None
        kind = type(val)
        if kind is str:
            members = self.enum_type.__members__
            if val in members:
                return members[val]
            raise TypeError(
                f"Invalid enum value '{val}' for field '{name}'. Expected: {members.keys()}"
            )
        if kind is int:
            if val in self.values:
                return self.values[val]
            raise TypeError(
                f"Invalid enum value '{val}' for field '{name}'. Expected: {self.values.keys()}"
            )
        if not isinstance(val, self.enum_type):
            raise TypeError(
                f"Invalid type '{kind}' for field '{name}'. Expected: {_name_of(self.enum_type)}"
            )
        return val

    def schema(self) -> Any:
        return self.schema_info(set())

    def schema_info(self, defined_names: set[str]) -> Any:
        name = self.enum_type.__name__
        if name in defined_names:
            return name
        defined_names.add(name)
        return {"type": "enum", "name": name, "symbols": [m.name for m in self.enum_type]}


class Array(Field):
    """A list of `array_type` values (a Field or Record instance).

    Args:
        array_type: The type of the items: a field (`String()`) or a record instance.
        default: The value of the field when a record is built without it.
        required: Whether the field may not be null.
        required_default: Whether the schema document states the default.
    """

    _python_type = list
    _type_name = "array"

    def __init__(
        self,
        array_type: Any,
        default: Any = None,
        required: bool = False,
        required_default: bool = False,
    ) -> None:
        _check_record_or_field(array_type)
        self.array_type = array_type
        super().__init__(default=default, required=required, required_default=required_default)

    def validate_type(self, name: str, val: Any) -> Any:
        if val is None:
            return None
        super().validate_type(name, val)
        item_type = self.array_type.python_type()
        for x in val:
            if not isinstance(x, item_type):
                raise TypeError(
                    f"Array field {name} items should all be of type "
                    f"{_name_of(self.array_type.type())}"
                )
        return val

    def schema(self) -> Any:
        return self.schema_info(set())

    def schema_info(self, defined_names: set[str]) -> Any:
        return {"type": "array", "items": _value_schema(self.array_type, defined_names)}


class Map(Field):
    """A dict of str keys to `value_type` values (a Field or Record instance).

    Args:
        value_type: The type of the values: a field (`Long()`) or a record instance.
        default: The value of the field when a record is built without it.
        required: Whether the field may not be null.
        required_default: Whether the schema document states the default.
    """

    _python_type = dict
    _type_name = "map"

    def __init__(
        self,
        value_type: Any,
        default: Any = None,
        required: bool = False,
        required_default: bool = False,
    ) -> None:
        _check_record_or_field(value_type)
        self.value_type = value_type
        super().__init__(default=default, required=required, required_default=required_default)

    def validate_type(self, name: str, val: Any) -> Any:
        if val is None:
            return None
        super().validate_type(name, val)
        value_type = self.value_type.python_type()
        for k, v in val.items():
            if not isinstance(k, str):
                raise TypeError(f"Map keys for field {name}  should all be strings")
            if not isinstance(v, value_type):
                raise TypeError(
                    f"Map values for field {name} should all be of type {_name_of(value_type)}"
                )
        return val

    def schema(self) -> Any:
        return self.schema_info(set())

    def schema_info(self, defined_names: set[str]) -> Any:
        return {"type": "map", "values": _value_schema(self.value_type, defined_names)}


# ---- building records from decoded data ------------------------------------------------------

_NONE_TYPE = type(None)

# The exact value types each field class's validate_type keeps as they are (no conversion,
# no error); None is kept too by a field that is not required and whose default is None.
_KEPT: dict[type, tuple[type, ...]] = {
    String: (str,),
    Integer: (int,),
    Long: (int,),
    Float: (float, int),
    Double: (float, int),
    Boolean: (bool,),
}

# The most combinations of value types a record's fast path checks in one set lookup.
_MAX_COMBINATIONS = 4096


def _kept_types(field: Any) -> tuple[type, ...] | None:
    """The types of value `field` stores unchanged, or None if it may convert any."""
    kind = type(field)
    if kind is Bytes:
        return (bytes, _NONE_TYPE)  # Bytes keeps anything but str, None included
    if kind is Null:
        return (_NONE_TYPE,)
    kept = _KEPT.get(kind)
    if kept is None:
        return None  # records, arrays, maps, enums, subclasses: always through __init__
    if not field._required and field.default() is None:
        kept += (_NONE_TYPE,)
    return kept


def _combinations(kinds: list[tuple[type, ...]]) -> frozenset[tuple[type, ...]] | None:
    combos: set[tuple[type, ...]] = {()}
    for options in kinds:
        if len(combos) * len(options) > _MAX_COMBINATIONS:
            return None
        combos = {(*c, t) for c in combos for t in options}
    return frozenset(combos)


def record_builder(cls: type[Record]) -> Any:
    """A function of plain data (a decoded JSON or Avro dict) returning ``cls(**data)``.

    Called once per schema (any thread; raises nothing). When the data holds exactly the
    class's fields, in declaration order, each of a type its field stores unchanged, the
    record is made without running __init__: its ``__dict__`` is what __init__ would have
    written, in the same order. Anything else (other keys or order, values to convert or
    reject, classes overriding __init__ or __new__) goes through ``cls(**data)``, so
    conversions and errors are 3.13's.
    """
    names = tuple(cls._fields)
    plan = [_kept_types(f) for f in cls._fields.values()]
    accepted = None
    if (
        names
        and cls.__init__ is Record.__init__
        and cls.__new__ is object.__new__
        and not ({"default", "required", "required_default"} | RESERVED) & set(names)
        and None not in plan
    ):
        accepted = _combinations(plan)  # type: ignore[arg-type]
    if accepted is None:

        def build_slow(data: Any) -> Any:
            return cls(**data)

        return build_slow

    reserved = {"_required_default": False, "_default": None, "_required": False}
    new = object.__new__

    def build(data: Any) -> Any:
        if (
            type(data) is dict
            and tuple(data) == names
            and tuple(map(type, data.values())) in accepted
        ):
            obj = new(cls)
            d = obj.__dict__
            d.update(reserved)
            d.update(data)
            return obj
        return cls(**data)

    return build
