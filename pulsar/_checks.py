"""Argument checks of the Python layer, which owns the validation of configuration
arguments (the extension checks only the arguments of send() and send_async(), which it
parses itself).

One wording, shared with the extension (src/runtime/errors.hpp): a wrong type raises
InvalidArgumentType (a TypeError and a ValueError) saying "Argument X is expected to be
..., not '<type>'"; a value out of range raises ValueError saying "Argument X is out of
range: V is not in [min, max]".
"""

from __future__ import annotations

from typing import Any, cast

from pulsar.exceptions import InvalidArgumentType

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def type_error(name: str, expected: str, value: Any) -> InvalidArgumentType:
    """The error for argument `name`, expected to be `expected` (e.g. "of type 'int'")."""
    return InvalidArgumentType(
        f"Argument {name} is expected to be {expected}, not '{type(value).__name__}'"
    )


def range_error(name: str, value: Any, minimum: Any, maximum: Any) -> ValueError:
    """The error for argument `name`, whose `value` is not in [minimum, maximum]."""
    return ValueError(f"Argument {name} is out of range: {value} is not in [{minimum}, {maximum}]")


def _type_name(types: type | tuple[type, ...]) -> str:
    if isinstance(types, tuple):
        return " or ".join(f"'{t.__name__}'" for t in types)
    return f"'{types.__name__}'"


def check_utf8(value: Any, name: str) -> None:
    """A str must be encodable as UTF-8 (libpulsar takes UTF-8): one with lone surrogates
    raises InvalidArgumentType naming `name`, as the extension does (its str conversion
    would raise a TypeError that names no argument)."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise type_error(
                name, "a str encodable as UTF-8 (without lone surrogates)", value
            ) from None


def check_type(value: Any, types: type | tuple[type, ...], name: str) -> None:
    if not isinstance(value, types):
        raise type_error(name, f"of type {_type_name(types)}", value)
    check_utf8(value, name)


def check_optional(value: Any, types: type | tuple[type, ...], name: str) -> None:
    if value is not None and not isinstance(value, types):
        raise type_error(name, f"either None or of type {_type_name(types)}", value)
    check_utf8(value, name)


def check_int(value: Any, name: str, minimum: int, maximum: int = INT32_MAX) -> int:
    check_type(value, int, name)
    if not minimum <= value <= maximum:
        raise range_error(name, value, minimum, maximum)
    return int(value)


def check_str_dict(value: Any, name: str) -> dict[str, str]:
    check_type(value, dict, name)
    for key, item in value.items():
        if not isinstance(key, str):
            raise type_error(name, "a dict of str to str (a key is not a str)", key)
        if not isinstance(item, str):
            raise type_error(name, "a dict of str to str (a value is not a str)", item)
        check_utf8(key, name)
        check_utf8(item, name)
    return cast("dict[str, str]", value)
