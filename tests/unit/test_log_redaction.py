"""Credentials in libpulsar's log lines are masked before any logger sees them
(pulsar._logging.redact): libpulsar 4.2.0 writes the OAuth2 client secret and access token
in DEBUG lines (see tests/integration/test_security.py for the lines themselves)."""

import io
import logging

import pytest

import pulsar
from pulsar import _logging

SECRET = "s3cr3t-VALUE.with_chars~"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        # AuthOauth2.cc's two DEBUG lines, as libpulsar 4.2.0 writes them.
        (
            (
                "Generate URL encoded body for ClientCredentialFlow: audience=urn%3Apulsar"
                f"&client_id=app&client_secret={SECRET}&grant_type=client_credentials"
            ),
            "grant_type=client_credentials",
        ),
        (f"access_token: {SECRET} expires_in: 3600", "expires_in: 3600"),
        (f'response: {{"access_token":"{SECRET}","expires_in":3600}}', '"expires_in":3600'),
        (f'{{"client_secret": "{SECRET}"}}', "client_secret"),
        (f"Authorization: Bearer {SECRET}", "Authorization: Bearer ***"),
        (f"password={SECRET}", "password=***"),
    ],
)
def test_credentials_are_masked(line, kept):
    out = _logging.redact(line)
    assert SECRET not in out
    assert "***" in out
    assert kept in out


@pytest.mark.parametrize(
    "line",
    [
        "[127.0.0.1:1234 -> 127.0.0.1:6650] Connected to broker",
        "Created producer on broker [127.0.0.1:1 -> 127.0.0.1:2] ",
        "Refreshing the authentication token",
    ],
)
def test_other_lines_are_left_alone(line):
    assert _logging.redact(line) == line


def test_emit_masks_before_the_logger(caplog):
    log = logging.getLogger("fastpulsar-test-redaction")
    with caplog.at_level(logging.DEBUG, logger=log.name):
        _logging.emit(log, logging.DEBUG, "AuthOauth2", 372, f"access_token: {SECRET}", 0.0)
    assert [r.getMessage() for r in caplog.records] == ["access_token: ***"]


def test_console_logger_writes_to_the_stdout_of_the_moment(monkeypatch):
    """A ConsoleLogger made under one sys.stdout writes to the one in place when a line
    comes (a client's last lines can come after the stdout of its creation is closed)."""
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdout", first)
    console = pulsar.ConsoleLogger(pulsar.LoggerLevel.Info)
    first.close()
    monkeypatch.setattr("sys.stdout", second)
    _logging.emit(console.logger, logging.INFO, "ClientImpl.cc", 917, "closed", 1.0e9)
    assert "INFO ClientImpl.cc:917 | closed" in second.getvalue()
