"""`async with` for pulsar.asyncio's objects: leaving the block closes the object (one
already closed is left as it is)."""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import TypeVar

from pulsar import exceptions as _sync

_Self = TypeVar("_Self", bound="AsyncClosing")


class AsyncClosing:
    """The base of pulsar.asyncio's closable objects: `async with` closes them."""

    async def close(self) -> None:
        """Close the object (each subclass says how)."""
        raise NotImplementedError

    async def __aenter__(self: _Self) -> _Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with contextlib.suppress(_sync.AlreadyClosed):
            await self.close()
