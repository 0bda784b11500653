"""Assertions on the errors fastpulsar raises for bad arguments."""

from __future__ import annotations


def assert_type_and_value_error(exc: BaseException, argname: str) -> None:
    """fastpulsar's wrong-type errors are both TypeError and ValueError and name the argument."""
    assert isinstance(exc, TypeError), f"{type(exc).__mro__} is not a TypeError: {exc!r}"
    assert isinstance(exc, ValueError), f"{type(exc).__mro__} is not a ValueError: {exc!r}"
    assert argname in str(exc), f"message {str(exc)!r} does not name the argument {argname!r}"
