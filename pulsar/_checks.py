"""Argument checks of the Python layer: wrong types raise InvalidArgumentType (a
TypeError and a ValueError), out-of-range values raise ValueError, both naming
the argument."""

from __future__ import annotations

from typing import Any, cast

from pulsar.exceptions import InvalidArgumentType

_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1


def _type_name(types: type | tuple[type, ...]) -> str:
    if isinstance(types, tuple):
        return " or ".join(f"'{t.__name__}'" for t in types)
    return f"'{types.__name__}'"


def check_type(value: Any, types: type | tuple[type, ...], name: str) -> None:
    if not isinstance(value, types):
        raise InvalidArgumentType(
            f"Argument {name} is expected to be of type {_type_name(types)}, "
            f"not '{type(value).__name__}'"
        )


def check_optional(value: Any, types: type | tuple[type, ...], name: str) -> None:
    if value is not None and not isinstance(value, types):
        raise InvalidArgumentType(
            f"Argument {name} is expected to be either None or of type {_type_name(types)}, "
            f"not '{type(value).__name__}'"
        )


def check_int(value: Any, name: str, minimum: int, maximum: int = _INT32_MAX) -> int:
    check_type(value, int, name)
    if not minimum <= value <= maximum:
        raise ValueError(f"Argument {name} must be in [{minimum}, {maximum}], not {value}")
    return int(value)


def check_str_dict(value: Any, name: str) -> dict[str, str]:
    check_type(value, dict, name)
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InvalidArgumentType(
                f"Argument {name} is expected to be a dict of str to str, "
                f"not to contain {type(key).__name__}: {type(item).__name__}"
            )
    return cast("dict[str, str]", value)


INT32_MAX = _INT32_MAX
INT64_MAX = _INT64_MAX
