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
* Tests marked ``standalone`` run on a real Apache Pulsar standalone (``support.standalone``),
  started once per session when the first of them needs it: ``standalone_broker`` (plain) and
  ``standalone_tls_broker`` (TLS ports, token authentication and authorization).  A test that
  uses either fixture is marked ``standalone`` automatically.  ``pulsar_broker`` runs a test on
  both brokers (the standalone variant is marked ``standalone``).
  They run by default; ``--no-standalone`` (or ``FASTPULSAR_NO_STANDALONE=1``) skips them, and
  ``-m "not standalone"`` deselects them.  Without Java 17+ (or, before the first download,
  Maven) they fail, saying what is missing.  ``--standalone-version`` /
  ``FASTPULSAR_STANDALONE_VERSION`` (default 4.2.4) and ``--standalone-source`` /
  ``FASTPULSAR_STANDALONE_SOURCE`` (auto, broker-jars, distribution; auto: the binary
  distribution tarball up to 4.0.x, pulsar-broker and its dependencies after) pick the broker.
  The first download (minutes) happens once the collection is done, outside any test timeout.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import uuid
from pathlib import Path

import pytest
from support import standalone
from support.broker import BrokerError, PulsarLite, find_pulsar_lite_binary
from support.helpers import unique_topic

REPO_ROOT = Path(__file__).resolve().parent.parent
ALLOW_ANY_PULSAR_ENV = "FASTPULSAR_TESTS_ALLOW_ANY_PULSAR"

NO_STANDALONE_ENV = "FASTPULSAR_NO_STANDALONE"
STANDALONE_FIXTURES = ("standalone_broker", "standalone_tls_broker")
# Per session: "error" (Java/Maven missing, download failed), "download_s", "started" brokers.
STANDALONE_STATE = pytest.StashKey[dict]()

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


def pytest_addoption(parser):
    group = parser.getgroup("fastpulsar", "fastpulsar test suite")
    group.addoption(
        "--no-standalone",
        action="store_true",
        default=os.environ.get(NO_STANDALONE_ENV, "") not in ("", "0"),
        help=f"skip the tests that need Apache Pulsar standalone (env {NO_STANDALONE_ENV}=1)",
    )
    group.addoption(
        "--standalone-version",
        default=os.environ.get("FASTPULSAR_STANDALONE_VERSION", standalone.DEFAULT_VERSION),
        help="Apache Pulsar version for the standalone tests (env FASTPULSAR_STANDALONE_VERSION; "
        "default %(default)s)",
    )
    group.addoption(
        "--standalone-source",
        choices=standalone.SOURCES,
        default=os.environ.get("FASTPULSAR_STANDALONE_SOURCE", "auto"),
        help="how to obtain it from Maven Central: the server distribution tarball (<= 4.0.x), "
        "or pulsar-broker with its dependencies (env FASTPULSAR_STANDALONE_SOURCE; default: auto)",
    )


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


def _no_standalone_reason(config) -> str:
    if os.environ.get(NO_STANDALONE_ENV, "") not in ("", "0"):
        how = f"{NO_STANDALONE_ENV}={os.environ[NO_STANDALONE_ENV]} was set"
    else:
        how = "--no-standalone was given"
    return f"Apache Pulsar standalone tests skipped on request ({how})"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marks must be in place before `-m` deselects by them.
    for item in items:
        if item.get_closest_marker("standalone") is None and any(
            name in getattr(item, "fixturenames", ()) for name in STANDALONE_FIXTURES
        ):
            item.add_marker(pytest.mark.standalone)
    if config.getoption("no_standalone"):
        skip = pytest.mark.skip(reason=_no_standalone_reason(config))
        for item in items:
            if item.get_closest_marker("standalone") is not None:
                item.add_marker(skip)


def pytest_collection_finish(session):
    """Fetch Apache Pulsar (first run only) now, outside the timeout of the first test."""
    config = session.config
    if config.option.collectonly or config.getoption("no_standalone"):
        return
    if not any(item.get_closest_marker("standalone") for item in session.items):
        return
    version = config.getoption("standalone_version")
    source = standalone.resolve_source(version, config.getoption("standalone_source"))
    state = config.stash.setdefault(STANDALONE_STATE, {})
    try:
        standalone.find_java()
        if not standalone.is_cached(version, source):
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(
                    f"fetching Apache Pulsar {version} ({source}) from Maven Central into "
                    f"{standalone.cache_root()} (first run only; a few minutes)..."
                )
            t0 = time.monotonic()
            standalone.ensure_broker(version, source)
            state["download_s"] = time.monotonic() - t0
    except (standalone.StandaloneError, ValueError) as exc:
        state["error"] = str(exc)


def pytest_terminal_summary(terminalreporter, config):
    state = config.stash.get(STANDALONE_STATE, {})
    lines = []
    if "download_s" in state:
        lines.append(f"first download: {state['download_s']:.1f} s")
    for name, broker in state.get("started", {}).items():
        t = broker.timings
        lines.append(
            f"{name}: Apache Pulsar {broker.broker_version} ({broker.source}) ready in "
            f"{t.get('ready_s', 0):.1f} s, healthy in {t.get('healthy_s', 0):.1f} s, "
            f"stopped in {t.get('stop_s', 0):.1f} s"
        )
    if lines:
        terminalreporter.write_sep("-", "Apache Pulsar standalone")
        for line in lines:
            terminalreporter.write_line(line)


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


def _run_standalone(request, name: str, tls: bool):
    config = request.config
    state = config.stash.setdefault(STANDALONE_STATE, {})
    if state.get("error"):
        pytest.fail(f"Apache Pulsar standalone is not available: {state['error']}", pytrace=False)
    instance = standalone.StandaloneBroker(
        config.getoption("standalone_version"),
        source=config.getoption("standalone_source"),
        tls=tls,
        # Under pytest's base temp (the last few sessions are kept): config and logs stay
        # there for a look after the run; the broker's data is removed when it stops.
        work_dir=request.getfixturevalue("tmp_path_factory").mktemp(name),
    )
    try:
        instance.start()
    except standalone.StandaloneError as exc:
        pytest.fail(
            f"Apache Pulsar standalone ({name}) could not be started: {exc}\n"
            f"(config and logs: {instance.work_dir})",
            pytrace=False,
        )
    state.setdefault("started", {})[name] = instance
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def standalone_broker(request):
    """Apache Pulsar standalone: ``service_url``, ``admin_url``, ``admin()`` (support.pulsar_admin)."""
    yield from _run_standalone(request, "standalone_broker", tls=False)


@pytest.fixture(scope="session")
def standalone_tls_broker(request):
    """With TLS ports (``service_url_tls``, ``ca_cert_path``) and token auth (``admin_token``,
    ``make_token(role)``); ``admin()`` carries the admin token."""
    yield from _run_standalone(request, "standalone_tls_broker", tls=True)


@pytest.fixture(
    params=[
        "pulsar-lite",
        pytest.param("standalone", marks=pytest.mark.standalone("the real broker's answer")),
    ]
)
def pulsar_broker(request):
    """Runs the test on pulsar-lite and on Apache Pulsar standalone (``.kind`` tells which)."""
    return request.getfixturevalue("broker" if request.param == "pulsar-lite" else "standalone_broker")


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
