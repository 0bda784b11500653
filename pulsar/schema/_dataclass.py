"""Dataclasses as records: each dataclass gets an equivalent Record class, made once.

The equivalent Record gives the schema (so a dataclass and the Record written by hand have
the same definition) and does the checking and encoding; values go through it both ways.

Type mapping: bool -> Boolean, int -> Long, float -> Double, str -> String, bytes -> Bytes,
an Enum subclass -> CustomEnum, a nested dataclass -> a nested record, list[T] -> Array,
dict[str, T] -> Map. A field is required unless its type is Optional[T] (T | None). A
default writes itself into the schema (required_default) when Avro can hold it: None for an
Optional field; a bool, int, float, str or Enum member for a required one (not bytes, not a
default_factory). `_avro_namespace` and `_sorted_fields`, as plain class attributes of the
dataclass, work as on a Record.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from enum import Enum
from typing import Any, Callable, Union

from pulsar.schema.definition import (
    Array,
    Boolean,
    Bytes,
    CustomEnum,
    Double,
    Field,
    Long,
    Map,
    Record,
    RecordMeta,
    String,
)

_PRIMITIVES: dict[type, type[Field]] = {
    bool: Boolean,
    int: Long,
    float: Double,
    str: String,
    bytes: Bytes,
}

_NONE_TYPE = type(None)
_SCHEMA_DEFAULTS = (bool, int, float, str, Enum)
_UNION_TYPES: tuple[Any, ...] = (Union,)
if sys.version_info >= (3, 10):
    import types

    _UNION_TYPES = (Union, types.UnionType)

# Converters between a dataclass's value and the equivalent Record's value of one field.
_Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


class DataclassRecord:
    """A dataclass, its equivalent Record class and the converters between their values."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        hints = typing.get_type_hints(cls)
        namespace: dict[str, Any] = {
            "_avro_namespace": getattr(cls, "_avro_namespace", None),
            "_sorted_fields": getattr(cls, "_sorted_fields", False),
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        }
        self.to_record: list[tuple[str, _Convert]] = []
        self.from_record: list[tuple[str, _Convert]] = []
        self.required: list[str] = []  # the fields that may not be None
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            field, to_rec, from_rec = self._field(f, hints[f.name])
            namespace[f.name] = field
            if field._required:
                self.required.append(f.name)
            self.to_record.append((f.name, to_rec))
            self.from_record.append((f.name, from_rec))
        self.record_cls: type[Record] = RecordMeta(cls.__name__, (Record,), namespace)  # type: ignore[assignment]

    def _field(self, f: dataclasses.Field[Any], hint: Any) -> tuple[Any, _Convert, _Convert]:
        required = True
        if typing.get_origin(hint) in _UNION_TYPES:
            args = [a for a in typing.get_args(hint) if a is not _NONE_TYPE]
            if len(args) != 1:
                raise TypeError(
                    f"Field '{f.name}' of dataclass {self.cls.__name__}: unsupported type "
                    f"{hint!r} (only Optional[T] unions are)"
                )
            hint, required = args[0], False
        options: dict[str, Any] = {"required": required}
        default = f.default
        # A default goes into the schema when Avro can hold it: None for an Optional field,
        # a scalar or an Enum member for a required one.
        if default is None if not required else isinstance(default, _SCHEMA_DEFAULTS):
            options["default"] = default
            options["required_default"] = True
        field, to_rec, from_rec = self._type(f.name, hint, options)
        return field, to_rec, from_rec

    def _type(
        self, name: str, hint: Any, options: dict[str, Any]
    ) -> tuple[Any, _Convert, _Convert]:
        """The field (or item type) for `hint`, and its two converters."""
        if hint in _PRIMITIVES:
            return _PRIMITIVES[hint](**options), _identity, _identity
        if isinstance(hint, type) and issubclass(hint, Enum):
            return CustomEnum(hint, **options), _identity, _identity
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            nested = dataclass_record(hint)
            default = options.pop("default", None)
            if default is not None:
                options["default"] = nested.record_of(default)
            return nested.record_cls(**options), nested.record_or_value, nested.dataclass_of
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (list, typing.List) and len(args) == 1:  # noqa: UP006
            item, to_item, from_item = self._type(name, args[0], {})
            return Array(item, **options), _over_list(to_item), _over_list(from_item)
        if origin in (dict, typing.Dict) and len(args) == 2 and args[0] is str:  # noqa: UP006
            value, to_value, from_value = self._type(name, args[1], {})
            return Map(value, **options), _over_dict(to_value), _over_dict(from_value)
        raise TypeError(
            f"Field '{name}' of dataclass {self.cls.__name__}: unsupported type {hint!r} "
            "(supported: bool, int, float, str, bytes, Enum, dataclasses, list[T], "
            "dict[str, T], Optional[T])"
        )

    def record_of(self, obj: Any) -> Record:
        """The equivalent Record of a dataclass instance (TypeError naming a bad field)."""
        if not isinstance(obj, self.cls):
            raise TypeError(f"Invalid record obj of type {type(obj)} - expected type is {self.cls}")
        values = {name: convert(getattr(obj, name)) for name, convert in self.to_record}
        for name in self.required:
            if values[name] is None:
                raise TypeError(
                    f"{self.cls.__name__}: field '{name}' is None, and its type is not Optional"
                )
        try:
            return self.record_cls(**values)
        except TypeError as exc:
            raise TypeError(f"{self.cls.__name__}: {exc}") from None

    def record_or_value(self, obj: Any) -> Any:
        """A nested value: the Record of a dataclass instance, anything else as is (for the
        Record's own check to report it with the field's name)."""
        return self.record_of(obj) if isinstance(obj, self.cls) else obj

    def dataclass_of(self, record: Any) -> Any:
        """The dataclass instance of the equivalent Record's instance."""
        if record is None:
            return None
        return self.cls(
            **{name: convert(getattr(record, name)) for name, convert in self.from_record}
        )


def _over_list(convert: _Convert) -> _Convert:
    if convert is _identity:
        return _identity
    return lambda items: None if items is None else [convert(x) for x in items]


def _over_dict(convert: _Convert) -> _Convert:
    if convert is _identity:
        return _identity
    return lambda d: None if d is None else {k: convert(v) for k, v in d.items()}


_CACHE: dict[type, DataclassRecord] = {}


def dataclass_record(cls: type) -> DataclassRecord:
    """The DataclassRecord of `cls`, made once per dataclass."""
    found = _CACHE.get(cls)
    if found is None:
        found = _CACHE[cls] = DataclassRecord(cls)
    return found


def is_dataclass_type(x: Any) -> bool:
    return isinstance(x, type) and dataclasses.is_dataclass(x)


def record_class_of(record_cls: Any) -> tuple[DataclassRecord | None, type[Record]] | None:
    """What a schema of `record_cls` works with: (the DataclassRecord of a dataclass, or None
    for a Record subclass; the Record class that describes its values). None for anything
    else."""
    if is_dataclass_type(record_cls):
        found = dataclass_record(record_cls)
        return found, found.record_cls
    if isinstance(record_cls, type) and issubclass(record_cls, Record):
        return None, record_cls
    return None
