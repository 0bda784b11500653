"""pulsar.asyncio's exceptions: pulsar-client 3.13's PulsarException(result, msg), and for
each failure the sync API's own class (pulsar.exceptions.*) joined with it, so that both
`except pulsar.Timeout` and `except pulsar.asyncio.PulsarException` catch it."""

from __future__ import annotations

from pulsar import exceptions as _sync
from pulsar._enums import Result


class PulsarException(Exception):
    """pulsar-client 3.13's asyncio error: `error()` is the pulsar.Result. What
    pulsar.asyncio raises for a failure is also the sync API's class for it (a subclass of
    pulsar.PulsarException), e.g. pulsar.Timeout.

    Args:
        result: The `pulsar.Result` of the failure.
        msg: A description of the failure, if any.
    """

    _result: Result
    _msg: str | None

    def __init__(self, result: Result, msg: str | None = None) -> None:
        super().__init__(result, msg)
        self._result = result
        self._msg = msg

    def error(self) -> Result:
        """The pulsar.Result of the failure."""
        return self._result

    def __str__(self) -> str:
        if self._msg:
            return f"{self._result.value} {self._result.name}: {self._msg}"
        return f"{self._result.value} {self._result.name}"


_twins: dict[type[BaseException], type[PulsarException]] = {}


def _twin(cls: type[_sync.PulsarException]) -> type[PulsarException]:
    twin = _twins.get(cls)
    if twin is None:
        twin = type(cls.__name__, (cls, PulsarException), {"__module__": cls.__module__})
        twin.__init__ = Exception.__init__  # type: ignore[assignment]
        twin.__str__ = PulsarException.__str__  # type: ignore[method-assign]
        # setdefault: threads racing here (without the GIL too) all get the first one made.
        twin = _twins.setdefault(cls, twin)
    return twin


def async_error(error: BaseException) -> BaseException:
    """`error` as pulsar.asyncio raises it: a pulsar.exceptions instance becomes one of its
    class joined with PulsarException (same message); anything else is returned as is."""
    if not isinstance(error, _sync.PulsarException) or isinstance(error, PulsarException):
        return error
    cls = type(error)
    result = getattr(Result, cls.__name__, Result.UnknownError)
    twin = _twin(cls)
    converted = twin(*error.args)
    converted._result = result
    converted._msg = str(error)
    converted.__cause__ = error.__cause__
    return converted


def closed_error() -> BaseException:
    """AlreadyClosed, as pulsar.asyncio raises it."""
    return async_error(_sync.AlreadyClosed("Pulsar error: AlreadyClosed"))


def timeout_error() -> BaseException:
    """Timeout, as pulsar.asyncio raises it."""
    return async_error(_sync.Timeout("Pulsar error: TimeOut"))
