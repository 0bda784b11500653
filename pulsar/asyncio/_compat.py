"""pulsar-client 3.13's module-level helpers of pulsar.asyncio, which code written for it may
call: `_set_future(future, result, value)` and `_set_future_v2(future, value)` (the
completions of `_pulsar`'s callbacks, settled on the future's loop) and `_check_type`."""

from __future__ import annotations

import asyncio
from typing import Any

from pulsar import exceptions as _sync
from pulsar._checks import check_type
from pulsar._enums import Result
from pulsar.asyncio._errors import PulsarException, async_error


def _error(result: Result, message: str | None) -> BaseException:
    """The failure `result` as pulsar.asyncio raises it: the sync API's class joined with
    PulsarException (`error()` is `result`; str() is 3.13's "<value> <name>[: message]")."""
    cls = getattr(_sync, result.name, None)
    if not (isinstance(cls, type) and issubclass(cls, _sync.PulsarException)):
        return PulsarException(result, message)
    error = async_error(cls(message or f"Pulsar error: {result.name}"))
    if isinstance(error, PulsarException):
        error._result = result
        error._msg = message
    return error


def _set_future(future: asyncio.Future[Any], result: Result, value: Any) -> None:
    """Settle `future` on its loop (from any thread): its result `value` when `result` is
    `Result.Ok`, else the failure (a PulsarException); nothing when it is done already."""

    def complete() -> None:
        if future.done():
            return
        if result == Result.Ok:
            future.set_result(value)
        else:
            future.set_exception(_error(result, None))

    future.get_loop().call_soon_threadsafe(complete)


def _set_future_v2(future: asyncio.Future[Any], value: Any) -> None:
    """Settle `future` on its loop (from any thread) with `value`, or with the failure when
    `value` is a `_pulsar.Error` (a PulsarException of its error and message); nothing when
    it is done already."""
    import _pulsar  # (here: _pulsar imports pulsar)

    def complete() -> None:
        if future.done():
            return
        if isinstance(value, _pulsar.Error):
            future.set_exception(_error(value.error, value.message))
        else:
            future.set_result(value)

    future.get_loop().call_soon_threadsafe(complete)


def _check_type(var_type: type, var: Any, name: str) -> None:
    """3.13's argument check: InvalidArgumentType (a TypeError and a ValueError, as 3.13's
    ValueError) unless `var` is a `var_type`."""
    check_type(var, var_type, name)
