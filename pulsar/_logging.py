"""libpulsar's log lines in Python's logging.

With Client(logger=None) they go to the "pulsar" logger, INFO and above; with a
logging.Logger, to that logger at its own level. ConsoleLogger and FileLogger
(pulsar-client's) are loggers of their own writing to stdout or to a file.

Secrets are masked before a line reaches any logger: libpulsar 4.2.0 writes the OAuth2
client secret (the token request's body) and the access token it gets back in DEBUG lines
of AuthOauth2; pulsar-client 3.13 prints them as they are.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from pulsar._checks import check_type
from pulsar._enums import LoggerLevel

_PYTHON_LEVELS = {
    LoggerLevel.Debug: logging.DEBUG,
    LoggerLevel.Info: logging.INFO,
    LoggerLevel.Warn: logging.WARNING,
    LoggerLevel.Error: logging.ERROR,
}
_FORMAT = "%(asctime)s %(levelname)s %(filename)s:%(lineno)d | %(message)s"

# A credential's value after its name: `client_secret=...` (a form body), `access_token: ...`
# (libpulsar's own text), `"access_token":"..."` (JSON), `Bearer ...` (an HTTP header).
_SECRET = re.compile(
    r"""((?:client_secret|access_token|refresh_token|id_token|password)["']?\s*[:=]\s*["']?"""
    r"|\bBearer\s+)"
    r"""[^\s&"',;}]+""",
    re.IGNORECASE,
)
_MASK = "***"


def redact(message: str) -> str:
    """`message` with the values of credentials it names replaced by ``***``."""
    return _SECRET.sub(lambda m: m.group(1) + _MASK, message)


def emit(
    logger: logging.Logger, level: int, file: str, line: int, message: str, created: float
) -> None:
    """Hand one libpulsar log line to `logger` (called on the dispatcher thread)."""
    if not logger.isEnabledFor(level):
        return
    record = logger.makeRecord(logger.name, level, file, line, redact(message), (), None)
    record.created = created
    record.msecs = (created - int(created)) * 1000.0
    logger.handle(record)


def _standalone_logger(name: str, level: LoggerLevel, handler: logging.Handler) -> logging.Logger:
    # A logger of its own, outside logging's hierarchy: not logging.getLogger.
    logger = logging.Logger(name, _PYTHON_LEVELS[level])  # noqa: LOG001
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.propagate = False
    return logger


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler writing to the `sys.stdout` of the moment, not the one of its
    creation: a client's last lines (its shutdown) can come after the code that made the
    ConsoleLogger has replaced or closed its stdout (a test's capture, a redirect), as
    pulsar-client's ConsoleLogger writes to the process's standard output whatever
    `sys.stdout` is then."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:  # read by StreamHandler.emit and flush
        return sys.stdout


class ConsoleLogger:
    """Write libpulsar's log lines at `log_level` and above to standard output."""

    def __init__(self, log_level: LoggerLevel = LoggerLevel.Info) -> None:
        check_type(log_level, LoggerLevel, "log_level")
        self.log_level = log_level
        self.logger = _standalone_logger("pulsar.console", log_level, _StdoutHandler())


class FileLogger:
    """Write libpulsar's log lines at `log_level` and above to `log_file`."""

    def __init__(self, log_level: LoggerLevel, log_file: str) -> None:
        check_type(log_level, LoggerLevel, "log_level")
        check_type(log_file, str, "log_file")
        self.log_level = log_level
        self.log_file = log_file
        self.logger = _standalone_logger("pulsar.file", log_level, logging.FileHandler(log_file))
