"""Fixtures and session checks for the fastpulsar test suite.

* The suite tests the *installed* fastpulsar (``pip install .``), never the source tree: the
  session stops at once if ``import pulsar`` resolves into the repository or if its compiled
  core ``pulsar._core`` cannot be imported.  Debugging aid: ``FASTPULSAR_TESTS_ALLOW_ANY_PULSAR=1``
  skips that check, e.g. to run the shared-behaviour tests against the official client
  (tests of fastpulsar's deliberate differences then fail, as they should).
* ``broker``: one pulsar-lite process per session on a free loopback port
  (binary from ``$PULSAR_LITE_BIN`` or the installed ``pulsar_lite`` package).
* ``official_python``: interpreter of a cached venv with the official pulsar-client, for the
  tests marked ``interop``.
* Tests marked ``standalone`` need a real Apache Pulsar standalone and are skipped here (see
  ``pytest_collection_modifyitems``); they request a ``standalone_broker`` fixture, which a
  later change is expected to provide (with ``service_url`` and ``admin_url``).
"""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from pathlib import Path

import pytest
from support.broker import BrokerError, PulsarLite, find_pulsar_lite_binary
from support.helpers import unique_topic

REPO_ROOT = Path(__file__).resolve().parent.parent
ALLOW_ANY_PULSAR_ENV = "FASTPULSAR_TESTS_ALLOW_ANY_PULSAR"

STANDALONE_SKIP_REASON = "needs Apache Pulsar standalone (issue 3); pulsar-lite does not support {}"

MARKERS = (
    "interop: runs the official pulsar-client 3.13.0 in its own virtual environment",
    "standalone: needs Apache Pulsar standalone (delayed delivery, deduplication, "
    "partitioned topics, ...)",
)


def _pulsar_under_test_problem() -> str | None:
    """Return why ``import pulsar`` is not an installed fastpulsar, or None if it is."""
    hint = (
        "The tests run against the installed package: install it with `pip install .` first "
        "(not editable), and run `pytest` from the repository root (not `python -m pytest`, "
        "which puts the source tree on sys.path)."
    )
    try:
        import pulsar
    except Exception as exc:  # noqa: BLE001 - any import failure is reported
        on_path = [p for p in sys.path if Path(p or ".").resolve() == REPO_ROOT]
        where = f" (the source tree {REPO_ROOT} is on sys.path)" if on_path else ""
        return f"`import pulsar` failed{where}: {exc!r}. {hint}"
    location = getattr(pulsar, "__file__", None)
    if not location:
        return f"`import pulsar` resolved to a namespace package ({pulsar!r}). {hint}"
    resolved = Path(location).resolve()
    if resolved.parent == REPO_ROOT / "pulsar":  # (a virtual environment in the checkout is fine)
        return f"`import pulsar` resolved to the source tree ({resolved}), not an installed package. {hint}"
    try:
        importlib.import_module("pulsar._core")
    except Exception as exc:  # noqa: BLE001
        return (
            f"`import pulsar` resolved to {resolved}, but its extension `pulsar._core` cannot be "
            f"imported ({exc!r}): this is not an installed fastpulsar. {hint}"
        )
    return None


def pytest_configure(config):
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if os.environ.get(ALLOW_ANY_PULSAR_ENV) == "1":
        return
    problem = _pulsar_under_test_problem()
    if problem:
        pytest.exit(f"fastpulsar test suite: {problem}", returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_report_header(config):
    try:
        import pulsar

        return [
            f"pulsar under test: {getattr(pulsar, '__file__', None)} "
            f"(version {getattr(pulsar, '__version__', '?')})"
        ]
    except Exception:  # noqa: BLE001
        return []


def pytest_collection_modifyitems(config, items):
    # Apache Pulsar standalone is not available yet: skip before any fixture is requested.
    for item in items:
        marker = item.get_closest_marker("standalone")
        if marker is None:
            continue
        feature = marker.kwargs.get("feature") or (marker.args[0] if marker.args else "this feature")
        item.add_marker(pytest.mark.skip(reason=STANDALONE_SKIP_REASON.format(feature)))


# --------------------------------------------------------------------------------------------
# Broker
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    try:
        binary = find_pulsar_lite_binary()
    except BrokerError as exc:
        pytest.fail(str(exc), pytrace=False)
    instance = PulsarLite(binary, tmp_path_factory.mktemp("pulsar-lite"))
    try:
        instance.start()
    except BrokerError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def client(broker):
    import pulsar

    c = pulsar.Client(broker.service_url)
    try:
        yield c
    finally:
        try:
            c.close()
        except pulsar.AlreadyClosed:
            pass


@pytest.fixture
def topic(request):
    return unique_topic(request.node.name)


@pytest.fixture
def subscription():
    return f"sub-{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------------------------
# Official client for interoperability tests
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def official_python():
    from support.official_venv import OfficialVenvError, ensure_official_venv

    try:
        return ensure_official_venv()
    except OfficialVenvError as exc:
        pytest.fail(
            f"could not provide a virtual environment with the official pulsar-client: {exc}",
            pytrace=False,
        )
