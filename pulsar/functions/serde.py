"""Serializers between Python objects and message payloads, for Pulsar Functions."""

from __future__ import annotations

import pickle
from abc import abstractmethod
from typing import Any


class SerDe:
    """Turns objects into bytes and back. Subclasses define both methods."""

    @abstractmethod
    def serialize(self, input: Any) -> bytes:
        """The payload for `input`."""

    @abstractmethod
    def deserialize(self, input_bytes: bytes) -> Any:
        """The object `input_bytes` stands for."""


class PickleSerDe(SerDe):
    """Any picklable object, with pickle (for trusted producers only: unpickling runs code)."""

    def serialize(self, input: Any) -> bytes:
        """The pickle of `input`."""
        return pickle.dumps(input)

    def deserialize(self, input_bytes: bytes) -> Any:
        """The object pickled in `input_bytes`."""
        return pickle.loads(input_bytes)


class IdentitySerDe(SerDe):
    """int, float, complex and str as their UTF-8 text, bytes as they are.

    Deserializing tries int, then float, then complex, then str on the decoded text, and
    returns the bytes unchanged when none applies (as pulsar-client does)."""

    def __init__(self) -> None:
        self._types: list[type[Any]] = [int, float, complex, str]

    def serialize(self, input: Any) -> bytes:
        """`input` (an int, float, complex or str) as UTF-8 text, or bytes as they are;
        TypeError for anything else."""
        if type(input) in self._types:
            return str(input).encode("utf-8")
        if type(input) is bytes:
            return input
        raise TypeError(f"IdentitySerde cannot serialize object of type {type(input)}")

    def deserialize(self, input_bytes: bytes) -> Any:
        """`input_bytes` as an int, a float, a complex or a str, the first that parses;
        else the bytes themselves."""
        for kind in self._types:
            try:
                return kind(input_bytes.decode("utf-8"))
            except Exception:  # noqa: BLE001, S112 - as pulsar-client: any failure tries the next
                continue
        return input_bytes
