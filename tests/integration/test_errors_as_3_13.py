"""Errors raised as pulsar-client 3.13 raises them, at the same moment and of the same class:
each scenario of ``support/errors_peer.py`` runs under fastpulsar and under the official
pulsar-client 3.13.0 (its own venv), and the two outcomes must be equal.

- An ``Authentication`` plugin that cannot be loaded: the client is made; each operation
  needing the broker raises ``AuthenticationError`` (libpulsar's own handling of the missing
  plugin).
- A token supplier that raises when the client connects: ``AuthenticationError`` at once
  (sync and asyncio), not a ``Timeout`` after ``operation_timeout_seconds``.
- After ``shutdown()``: the first ``close()`` returns quietly (a second raises
  ``AlreadyClosed``), and each operation of the client's producers, consumers and readers
  raises or returns what it does in 3.13.
- ``send_async`` of a closed producer: nothing raised, the callback gets ``AlreadyClosed``.
- A malformed service URL: a plain ``ValueError`` with libpulsar's message; batching with
  chunking: a plain ``ValueError``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from support.peer import run_peer

pytestmark = [pytest.mark.interop, pytest.mark.timeout(600)]

SCRIPT = Path(__file__).resolve().parent.parent / "support" / "errors_peer.py"


def outcomes(python: Path | str, scenario: str, service_url: str) -> list[Any]:
    result = run_peer(Path(python), [scenario, service_url], timeout=180, script=SCRIPT)
    assert isinstance(result, list)
    return result


def both(official_python: Path, scenario: str, service_url: str) -> list[Any]:
    """The scenario's outcomes, asserted equal under both clients."""
    ours = outcomes(sys.executable, scenario, service_url)
    theirs = outcomes(official_python, scenario, service_url)
    assert ours == theirs
    return ours


def test_missing_authentication_plugin_fails_each_operation(pulsar_broker, official_python):
    result = both(official_python, "missing-plugin", pulsar_broker.service_url)
    assert result == [
        ["Client", "ok"],
        ["create_producer", "AuthenticationError"],
        ["subscribe", "AuthenticationError"],
        ["create_reader", "AuthenticationError"],
        ["close", "ok"],
    ]


def test_token_supplier_raising_at_connect_is_an_authentication_error(
    pulsar_broker, official_python
):
    result = both(official_python, "failing-supplier", pulsar_broker.service_url)
    # At once: no outcome is marked "+slow" (half the operation timeout).
    assert result == [
        ["create_producer", "AuthenticationError"],
        ["subscribe", "AuthenticationError"],
        ["subscribe pattern", "AuthenticationError"],
        ["create_reader", "AuthenticationError"],
        ["close", "ok"],
        ["asyncio create_producer", "asyncio:AuthenticationError"],
        ["asyncio subscribe", "asyncio:AuthenticationError"],
        ["asyncio close", "ok"],
    ]


def test_operations_after_shutdown(broker, official_python):
    result = dict(map(tuple, both(official_python, "after-shutdown", broker.service_url)))
    assert result["close"] == "ok"
    assert result["close again"] == "AlreadyClosed"
    assert result["asyncio close"] == "ok"
    assert result["asyncio close again"] == "asyncio:AlreadyClosed"
    assert result["consumer.close"] == "ok"
    assert result["producer.send"] == "AlreadyClosed"


def test_malformed_urls_and_wrong_settings(broker, official_python):
    result = both(official_python, "bad-urls", broker.service_url)
    assert ["Client('localhost')", "builtins.ValueError"] in result
    assert ["message 'localhost'", "The scheme part is missing: localhost"] in result
    assert ["batching and chunking", "builtins.ValueError"] in result


def test_send_async_of_a_closed_producer_calls_back_already_closed(broker, official_python):
    result = both(official_python, "send-async-after-close", broker.service_url)
    assert result == [
        ["send_async after producer.close", "ok"],
        ["send_async after producer.close callback", ["Result.AlreadyClosed"]],
        ["send_async after client.close", "ok"],
        ["send_async after client.close callback", ["Result.AlreadyClosed"]],
    ]
