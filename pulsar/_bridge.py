"""What the extension needs from the Python package, handed over once at import.

pulsar._core never imports a pulsar module itself: `install()` (called by
pulsar/__init__.py) gives it the Result enum and the exception classes it raises and
returns, the SchemaType enum, where libpulsar's log lines go, and how to build a
Message.encryption_context().
"""

from __future__ import annotations

import logging

from pulsar import _core, _crypto, _logging, exceptions
from pulsar._enums import Result, SchemaType


def install() -> None:
    """Hand the extension what it needs (again, after a reload)."""
    _core._install(
        result=Result,
        exceptions={name: getattr(exceptions, name) for name in exceptions.__all__},
        schema_type=SchemaType,
        logger=logging.getLogger("pulsar"),
        emit_log=_logging.emit,
    )
    _core._install_encryption_context(_crypto.context_from_core)
