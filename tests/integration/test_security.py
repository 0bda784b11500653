"""Security (issue 11, section 5): host-name and CA checks, mutual TLS, secrets in log lines,
and token suppliers that fail.

The tests run on an Apache Pulsar standalone of this module's own (support.secure_broker:
TLS with a CA whose key the test holds, and token, TLS-certificate and basic authentication
at once), started once for the module and stopped after it.  The host-name and CA tests put
a TLS proxy of their own (support.tls_proxy) in front of that broker's plain port, presenting
the certificate the test chooses; a client's first connection (its lookup) goes through it.

What libpulsar 4.2.0 does (pulsar-client 3.13 does the same unless said otherwise), pinned
so that a change is noticed:
* A rejected credential (no certificate, a certificate of another CA, a wrong password) makes
  the broker close the connection, and libpulsar retries until the operation timeout: the
  error is ``Timeout`` (apache/pulsar-client-cpp#227).  A host-name or CA mismatch fails the
  TLS handshake: ``ConnectError``, at once.
* libpulsar writes the OAuth2 client secret and the access token in DEBUG lines (AuthOauth2);
  fastpulsar masks them before any logger sees them (pulsar._logging.redact), pulsar-client
  3.13 prints them.
* A token supplier that raises: fastpulsar reports the exception through
  ``sys.unraisablehook``; when the client connects, the operation then fails with
  ``AuthenticationError`` at once, as in pulsar-client 3.13 (whose exception crosses
  libpulsar's connect path, which catches it).  When the broker asks for a fresh token later
  (an auth challenge), nothing in libpulsar catches: pulsar-client 3.13 aborts, fastpulsar
  hands libpulsar an empty token and the broker refuses it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from fastpulsar_testing.official_venv import clean_env
from fastpulsar_testing.standalone import StandaloneError
from fastpulsar_testing.standalone.tls import generate_ca, issue_certificate
from support.children import child_env
from support.messages import EARLIEST, receive_unique
from support.oauth2_issuer import OAuth2Issuer
from support.secure_broker import BASIC_USER, SecureBroker, start_secure_broker
from support.tls_proxy import TlsProxy

import pulsar

pytestmark = pytest.mark.standalone

SHORT_TIMEOUT_S = 3
SUPPORT = Path(__file__).resolve().parent.parent / "support"
GRANTED_ROLES = ("mtls-app", BASIC_USER, "oauth-app", "token-app")
UNGRANTED_ROLE = "mtls-nogrant"


@pytest.fixture(scope="module")
def secure(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SecureBroker]:
    password = "pw-" + uuid.uuid4().hex
    work = tmp_path_factory.mktemp("secure-broker")
    version = request.config.getoption("standalone_version")
    source = request.config.getoption("standalone_source")
    try:
        broker = start_secure_broker(work, password, version, source)
    except StandaloneError as exc:
        pytest.fail(f"the security tests' broker could not be started: {exc}", pytrace=False)
    try:
        admin = broker.broker.admin()
        for role in GRANTED_ROLES:
            admin.grant_namespace_permission(role)
        yield broker
    finally:
        broker.broker.stop()


def round_trip(client: pulsar.Client, topic: str, payload: bytes = b"secure") -> None:
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = client.create_producer(topic)
    sent = producer.send(payload)
    msg = receive_unique(consumer, 1)[0]
    assert msg.data() == payload
    assert msg.message_id() == sent
    consumer.acknowledge(msg)


def token(secure: SecureBroker, role: str = "token-app") -> str:
    return secure.broker.make_token(role)


def expect_failure(client: pulsar.Client, topic: str) -> tuple[pulsar.PulsarException, float]:
    """create_producer's exception and how long it took."""
    started = time.monotonic()
    with pytest.raises(pulsar.PulsarException) as info:
        client.create_producer(topic)
    return info.value, time.monotonic() - started


# -- 1. host name and CA checks -----------------------------------------------------------------


@pytest.fixture(scope="module")
def proxy_pki(secure: SecureBroker, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Certificates for the proxy: ``other-host`` names only other.example, ``right-host``
    names 127.0.0.1 and localhost (both from ``ca``, which ``bundle`` trusts beside the
    broker's CA); ``untrusted`` names 127.0.0.1 but comes from a CA nobody trusts."""
    d = tmp_path_factory.mktemp("proxy-pki")
    ca = generate_ca(d / "ca", "fastpulsar proxy CA")
    stranger = generate_ca(d / "stranger", "fastpulsar untrusted CA")
    bundle = d / "bundle.pem"
    bundle.write_text(Path(secure.ca_cert_path).read_text() + ca["ca_cert"].read_text())
    return {
        "bundle": str(bundle),
        "other-host": issue_certificate(
            ca, d, "other", "other.example", dns_names=("other.example",)
        ),
        "right-host": issue_certificate(
            ca, d, "right", "127.0.0.1", dns_names=("localhost",), ip_addresses=("127.0.0.1",)
        ),
        "untrusted": issue_certificate(
            stranger, d, "untrusted", "127.0.0.1", ip_addresses=("127.0.0.1",)
        ),
    }


@pytest.fixture
def proxy_for(
    secure: SecureBroker, proxy_pki: dict[str, Any]
) -> Iterator[Callable[[str], TlsProxy]]:
    proxies: list[TlsProxy] = []
    plain_port = int(secure.broker.service_url.rsplit(":", 1)[1])

    def make(cert_name: str) -> TlsProxy:
        files = proxy_pki[cert_name]
        proxy = TlsProxy(files["cert"], files["key"], ("127.0.0.1", plain_port))
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


@pytest.mark.parametrize(
    ("cert_name", "validate_hostname", "accepted"),
    [
        ("other-host", True, False),
        ("other-host", False, True),  # the same certificate: only the host-name check refuses it
        ("right-host", True, True),
    ],
    ids=["other-host-validated", "other-host-not-validated", "right-host-validated"],
)
def test_hostname_validation(
    secure, proxy_pki, proxy_for, topic, cert_name, validate_hostname, accepted
):
    proxy = proxy_for(cert_name)
    client = pulsar.Client(
        proxy.url,
        authentication=pulsar.AuthenticationToken(token(secure)),
        tls_trust_certs_file_path=proxy_pki["bundle"],
        tls_validate_hostname=validate_hostname,
        operation_timeout_seconds=30,
    )
    try:
        if accepted:
            round_trip(client, topic)
            assert proxy.handshakes >= 1  # the client did come through the proxy
        else:
            error, elapsed = expect_failure(client, topic)
            assert type(error) is pulsar.ConnectError, f"{type(error).__name__}: {error}"
            assert elapsed < 10, elapsed  # at once, not after the operation timeout
            assert proxy.accepted >= 1
            assert proxy.handshakes == 0, "a TLS session was set up with the wrong host"
    finally:
        client.close()


@pytest.mark.parametrize("allow_insecure", [False, True], ids=["secure", "insecure"])
def test_untrusted_ca(secure, proxy_for, topic, allow_insecure):
    proxy = proxy_for("untrusted")
    client = pulsar.Client(
        proxy.url,
        authentication=pulsar.AuthenticationToken(token(secure)),
        tls_trust_certs_file_path=secure.ca_cert_path,  # not the proxy certificate's CA
        tls_allow_insecure_connection=allow_insecure,
        operation_timeout_seconds=30,
    )
    try:
        if allow_insecure:  # the control: the proxy works when the CA is not checked
            round_trip(client, topic)
            assert proxy.handshakes >= 1
        else:
            error, elapsed = expect_failure(client, topic)
            assert type(error) is pulsar.ConnectError, f"{type(error).__name__}: {error}"
            assert elapsed < 10, elapsed
            assert proxy.handshakes == 0
    finally:
        client.close()


# -- 2. mutual TLS ------------------------------------------------------------------------------

TLS_FORMS: dict[str, Callable[[dict[str, Path]], pulsar.Authentication]] = {
    "AuthenticationTLS": lambda files: pulsar.AuthenticationTLS(
        str(files["cert"]), str(files["key"])
    ),
    "plugin-key-value": lambda files: pulsar.Authentication(
        "tls", f"tlsCertFile:{files['cert']},tlsKeyFile:{files['key']}"
    ),
}


def tls_client(
    secure: SecureBroker, authentication: pulsar.Authentication | None, **kw: Any
) -> pulsar.Client:
    kw.setdefault("operation_timeout_seconds", 30)
    return pulsar.Client(
        secure.service_url_tls,
        authentication=authentication,
        tls_trust_certs_file_path=secure.ca_cert_path,
        tls_validate_hostname=True,
        **kw,
    )


@pytest.mark.parametrize("form", sorted(TLS_FORMS))
def test_mutual_tls_role_is_the_common_name(secure, topic, form):
    granted = tls_client(secure, TLS_FORMS[form](secure.client_certificate("mtls-app")))
    try:
        round_trip(granted, topic)
    finally:
        granted.close()
    # The same CA, another common name: authenticated, but that role has no grant.
    other = tls_client(secure, TLS_FORMS[form](secure.client_certificate(UNGRANTED_ROLE)))
    try:
        error, elapsed = expect_failure(other, topic)
        assert type(error) is pulsar.AuthorizationError, f"{type(error).__name__}: {error}"
        assert elapsed < 10, elapsed
    finally:
        other.close()


def test_mutual_tls_json_parameters_are_not_read(secure, topic):
    # libpulsar's "tls" plugin reads "key:value,..." parameters only: JSON gives no
    # certificate, and the connection fails at once (pulsar-client 3.13 alike).
    files = secure.client_certificate("mtls-app")
    params = json.dumps({"tlsCertFile": str(files["cert"]), "tlsKeyFile": str(files["key"])})
    client = tls_client(secure, pulsar.Authentication("tls", params))
    try:
        error, elapsed = expect_failure(client, topic)
        assert type(error) is pulsar.AuthenticationError, f"{type(error).__name__}: {error}"
        assert elapsed < 10, elapsed
    finally:
        client.close()


def test_client_certificate_options(secure, topic):
    # Client(tls_certificate_file_path=..., tls_private_key_file_path=...) presents a
    # certificate on the TLS layer but authenticates nothing: without an Authentication the
    # broker (no anonymous role) refuses the connection; with a token it is accepted.
    files = secure.client_certificate("mtls-app")
    options = {
        "tls_certificate_file_path": str(files["cert"]),
        "tls_private_key_file_path": str(files["key"]),
    }
    anonymous = tls_client(secure, None, operation_timeout_seconds=SHORT_TIMEOUT_S, **options)
    try:
        error, _ = expect_failure(anonymous, topic)
        assert type(error) is pulsar.Timeout, f"{type(error).__name__}: {error}"
    finally:
        anonymous.close()
    with_token = tls_client(secure, pulsar.AuthenticationToken(token(secure)), **options)
    try:
        round_trip(with_token, topic)
    finally:
        with_token.close()


@pytest.mark.parametrize("case", ["no-certificate", "certificate-of-another-ca"])
def test_mutual_tls_rejected(secure, topic, tmp_path, case):
    if case == "no-certificate":
        authentication = None
    else:
        stranger = generate_ca(tmp_path / "ca", "fastpulsar stranger CA")
        files = issue_certificate(stranger, tmp_path, "mtls-app", "mtls-app", client=True)
        authentication = pulsar.AuthenticationTLS(str(files["cert"]), str(files["key"]))
    client = tls_client(secure, authentication, operation_timeout_seconds=SHORT_TIMEOUT_S)
    try:
        error, elapsed = expect_failure(client, topic)
    finally:
        client.close()
    # Rejected credentials: the broker closes the connection and libpulsar retries until the
    # operation timeout (apache/pulsar-client-cpp#227).
    assert type(error) is pulsar.Timeout, f"{type(error).__name__}: {error}"
    assert SHORT_TIMEOUT_S - 0.5 <= elapsed <= SHORT_TIMEOUT_S + 10, elapsed


# -- 3. secrets never in log lines --------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer(secure: SecureBroker) -> Iterator[OAuth2Issuer]:
    """An OAuth2 issuer whose access token is a token of role ``oauth-app`` for ``secure``."""
    server = OAuth2Issuer("fastpulsar-app", "cs-" + uuid.uuid4().hex, token(secure, "oauth-app"))
    yield server
    server.close()


class Credentials:
    """An Authentication, the secrets it holds, and whether the broker accepts it."""

    def __init__(self, authentication: pulsar.Authentication, secrets: list[str], accepted: bool):
        self.authentication = authentication
        self.secrets = [s for s in secrets if s]
        self.accepted = accepted


def oauth2_credentials(issuer: OAuth2Issuer, directory: Path, secret: str) -> pulsar.Authentication:
    key_file = directory / "oauth2-credentials.json"
    key_file.write_text(json.dumps({"client_id": issuer.client_id, "client_secret": secret}))
    params = {
        "type": "client_credentials",
        "issuer_url": issuer.url,
        "private_key": str(key_file),
        "audience": "urn:fastpulsar-test",
    }
    return pulsar.AuthenticationOauth2(json.dumps(params))


def pem_body_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line and not line.startswith("-----")]


def make_credentials(
    kind: str, secure: SecureBroker, issuer: OAuth2Issuer, directory: Path
) -> Credentials:
    if kind in ("token", "token-supplier"):
        value = token(secure)
        signature = value.rsplit(".", 1)[1]
        auth = pulsar.AuthenticationToken(value if kind == "token" else (lambda: value))
        return Credentials(auth, [value, signature], accepted=True)
    if kind == "token-rejected":
        from fastpulsar_testing.standalone.tokens import make_token

        value = make_token(os.urandom(32), "token-app")
        return Credentials(
            pulsar.AuthenticationToken(value), [value, value.rsplit(".", 1)[1]], False
        )
    if kind in ("basic", "basic-wrong-password"):
        if secure.basic_password is None:
            pytest.skip("no `openssl` command to hash the broker's basic-authentication password")
        password = secure.basic_password if kind == "basic" else "wrong-" + uuid.uuid4().hex
        return Credentials(
            pulsar.AuthenticationBasic(BASIC_USER, password), [password], kind == "basic"
        )
    if kind in ("oauth2", "oauth2-wrong-secret"):
        secret = issuer.client_secret if kind == "oauth2" else "wrong-" + uuid.uuid4().hex
        return Credentials(
            oauth2_credentials(issuer, directory, secret),
            [secret, issuer.access_token, issuer.access_token.rsplit(".", 1)[1]],
            kind == "oauth2",
        )
    if kind == "mtls":
        files = secure.client_certificate("mtls-app")
        tls = pulsar.AuthenticationTLS(str(files["cert"]), str(files["key"]))
        return Credentials(tls, pem_body_lines(files["key"]), accepted=True)
    raise AssertionError(kind)


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[tuple[int, str]] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.lines.append((record.levelno, record.getMessage()))

    def text(self) -> str:
        with self._guard:
            return "\n".join(line for _, line in self.lines)

    def levels(self) -> set[int]:
        with self._guard:
            return {level for level, _ in self.lines}


CLOSING_LINE = "Closing Pulsar client"  # libpulsar's INFO line at close(): the last one we wait for


def exercise(
    secure: SecureBroker, credentials: Credentials, topic: str, **client_options: Any
) -> None:
    """Connect, produce and consume (or be refused), close."""
    client = pulsar.Client(
        secure.service_url_tls,
        authentication=credentials.authentication,
        tls_trust_certs_file_path=secure.ca_cert_path,
        operation_timeout_seconds=SHORT_TIMEOUT_S if not credentials.accepted else 30,
        **client_options,
    )
    try:
        if credentials.accepted:
            round_trip(client, topic)
        else:
            with pytest.raises(pulsar.PulsarException):
                client.create_producer(topic)
    finally:
        client.close()


def assert_no_secret(text: str, secrets: list[str]) -> None:
    leaked = [line for line in text.splitlines() if any(s in line for s in secrets)]
    assert not leaked, "secrets in log lines:\n" + "\n".join(leaked)


CREDENTIAL_KINDS = [
    "token", "token-supplier", "token-rejected", "basic", "basic-wrong-password", "oauth2",
    "oauth2-wrong-secret", "mtls",
]  # fmt: skip


@pytest.mark.parametrize("kind", CREDENTIAL_KINDS)
def test_no_secret_in_debug_log_lines(secure, issuer, topic, tmp_path, capfd, monkeypatch, kind):
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)
    credentials = make_credentials(kind, secure, issuer, tmp_path)
    log = logging.getLogger(f"fastpulsar-test-secrets-{uuid.uuid4().hex[:8]}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    handler = Collected()
    log.addHandler(handler)
    try:
        exercise(secure, credentials, topic, logger=log)
        deadline = time.monotonic() + 15
        while CLOSING_LINE not in handler.text() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        log.removeHandler(handler)
    assert CLOSING_LINE in handler.text(), handler.text()[-3000:]
    assert logging.DEBUG in handler.levels()  # libpulsar did write at DEBUG
    if kind.startswith("oauth2"):
        assert issuer.token_requests >= 1  # the secret did go to the issuer
    captured = capfd.readouterr()
    assert_no_secret(
        handler.text() + "\n" + captured.out + "\n" + captured.err, credentials.secrets
    )


@pytest.mark.parametrize("logger_kind", ["ConsoleLogger", "FileLogger", "pulsar-logger"])
@pytest.mark.parametrize("kind", ["oauth2", "token", "basic"])
def test_no_secret_in_other_loggers(secure, issuer, topic, tmp_path, capfd, logger_kind, kind):
    credentials = make_credentials(kind, secure, issuer, tmp_path)
    log_file = tmp_path / "pulsar.log"
    pulsar_logger = logging.getLogger("pulsar")
    handler = Collected()
    old_level = pulsar_logger.level
    if logger_kind == "ConsoleLogger":
        options: dict[str, Any] = {"logger": pulsar.ConsoleLogger(pulsar.LoggerLevel.Debug)}
    elif logger_kind == "FileLogger":
        options = {"logger": pulsar.FileLogger(pulsar.LoggerLevel.Debug, str(log_file))}
    else:  # no logger: INFO and above go to the "pulsar" logger
        options = {}
        pulsar_logger.addHandler(handler)
        pulsar_logger.setLevel(logging.DEBUG)
    out: list[str] = []

    def text() -> str:
        captured = capfd.readouterr()
        out.extend([captured.out, captured.err])
        parts = [*out, handler.text()]
        if log_file.exists():
            parts.append(log_file.read_text(errors="replace"))
        return "\n".join(parts)

    try:
        exercise(secure, credentials, topic, **options)
        deadline = time.monotonic() + 15
        while CLOSING_LINE not in text() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        pulsar_logger.removeHandler(handler)
        pulsar_logger.setLevel(old_level)
    everything = text()
    assert CLOSING_LINE in everything, everything[-3000:]
    if logger_kind != "pulsar-logger":
        assert " DEBUG " in everything  # the logger did write DEBUG lines
    assert_no_secret(everything, credentials.secrets)


# -- 4. token suppliers that fail ---------------------------------------------------------------


def _raises() -> str:
    raise RuntimeError("no token today")


SUPPLIERS: dict[str, tuple[Callable[[], Any], type[BaseException], str]] = {
    "raises": (_raises, RuntimeError, "no token today"),
    "returns-bytes": (lambda: b"header.payload.signature", TypeError, "returned bytes, not a str"),
    "returns-None": (lambda: None, TypeError, "returned NoneType, not a str"),
}


@pytest.mark.parametrize("kind", sorted(SUPPLIERS))
def test_failing_token_supplier_is_an_authentication_failure(secure, topic, monkeypatch, kind):
    supplier, error_type, text = SUPPLIERS[kind]
    seen: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    calls: list[float] = []

    def counted() -> Any:
        calls.append(time.monotonic())
        return supplier()

    client = tls_client(
        secure, pulsar.AuthenticationToken(counted), operation_timeout_seconds=SHORT_TIMEOUT_S
    )
    try:
        error, _ = expect_failure(client, topic)
    finally:
        client.close()
    # libpulsar fails the connection (its connect path catches the failure fastpulsar
    # throws there): AuthenticationError, as in pulsar-client 3.13, not a Timeout.
    assert type(error) is pulsar.AuthenticationError, f"{type(error).__name__}: {error}"
    # Not lost: every failed call is reported, with the supplier's own exception.
    assert calls
    assert len(seen) == len(calls), (len(seen), len(calls))
    for unraisable in seen:
        assert isinstance(unraisable.exc_value, error_type), unraisable.exc_value
        assert text in str(unraisable.exc_value)
        assert unraisable.object is counted


def test_the_same_client_works_once_the_supplier_does(secure, topic, monkeypatch):
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)
    failing = [True]
    good = token(secure)

    def supplier() -> str:
        if failing[0]:
            raise RuntimeError("not yet")
        return good

    client = tls_client(
        secure, pulsar.AuthenticationToken(supplier), operation_timeout_seconds=SHORT_TIMEOUT_S
    )
    try:
        error, _ = expect_failure(client, topic)
        assert type(error) is pulsar.AuthenticationError
        failing[0] = False
        round_trip(client, topic)
    finally:
        client.close()


SLOW_SUPPLIER_S = 8


@pytest.mark.timeout(180)  # the slow supplier holds its client for SLOW_SUPPLIER_S
def test_slow_token_supplier_holds_up_only_its_own_client(secure, topic):
    # libpulsar calls the supplier on its client's I/O thread: while it blocks, that client's
    # timers wait too (pulsar-client 3.13 alike), so create_producer returns once the
    # supplier does, not at the operation timeout.  What must hold: it does return, other
    # clients are not held up, and close() works.
    release = threading.Event()
    good = token(secure)

    def supplier() -> str:
        release.wait(SLOW_SUPPLIER_S)
        return good

    slow = tls_client(
        secure, pulsar.AuthenticationToken(supplier), operation_timeout_seconds=SHORT_TIMEOUT_S
    )
    outcome: dict[str, Any] = {}

    def create() -> None:
        started = time.monotonic()
        try:
            slow.create_producer(topic).close()
            outcome["result"] = "Ok"
        except pulsar.PulsarException as exc:
            outcome["result"] = type(exc).__name__
        outcome["elapsed"] = time.monotonic() - started

    worker = threading.Thread(target=create, daemon=True)
    worker.start()
    try:
        other = tls_client(secure, pulsar.AuthenticationToken(good))
        try:
            round_trip(other, topic + "-other")
        finally:
            other.close()
        worker.join(SLOW_SUPPLIER_S + 90)
        assert not worker.is_alive(), "create_producer did not return after the supplier did"
    finally:
        release.set()
        started = time.monotonic()
        slow.close()
        assert time.monotonic() - started < 30
    assert outcome["result"] in ("Ok", "Timeout", "ConnectError"), outcome


def run_peer(
    python: Path | str, script: str, args: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), str(SUPPORT / script), *args],
        cwd=str(cwd),  # never the source tree: it would shadow the installed pulsar
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the caller checks the exit code
    )


REFRESH_SEND_S = 10
# pulsar-client 3.13: "terminate called after throwing an instance of
# 'pybind11::error_already_set'", SIGABRT.
OFFICIAL_REFRESH_EXIT = -signal.SIGABRT


def refresh_scenario(
    secure: SecureBroker, python: Path | str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    # Tokens valid for 3 s; the broker checks every second (secure_broker) and asks for a
    # fresh one once the connection's token has expired; the supplier then raises.
    assert secure.broker.token_secret is not None
    topic = f"persistent://public/default/refresh-{uuid.uuid4().hex[:8]}"
    args = [
        secure.service_url_tls, secure.ca_cert_path, secure.broker.token_secret.hex(), "token-app",
        topic, str(REFRESH_SEND_S),
    ]  # fmt: skip
    return run_peer(python, "supplier_refresh_peer.py", args, cwd, env)


@pytest.mark.timeout(240)  # a child that sends for REFRESH_SEND_S, on a loaded machine
def test_supplier_raising_on_refresh_does_not_crash(secure, tmp_path):
    proc = refresh_scenario(secure, sys.executable, child_env(), tmp_path)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-4000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    outcomes = result["results"]
    assert outcomes[0] == "Ok", outcomes
    assert result["raised"] >= 1, result  # the broker did ask for a fresh token
    assert outcomes[-1] != "Ok", outcomes  # and, refused one, stopped taking messages


@pytest.mark.interop
@pytest.mark.timeout(240)
def test_supplier_raising_on_refresh_in_pulsar_client_3_13(secure, official_python, tmp_path):
    # The same scenario in pulsar-client 3.13, for the comparison in the report: its
    # supplier's exception crosses libpulsar's I/O thread, where nothing catches it on this
    # path (ClientConnection::handleAuthChallenge).
    proc = refresh_scenario(secure, official_python, clean_env(), tmp_path)
    assert proc.returncode == OFFICIAL_REFRESH_EXIT, (
        f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )


def oauth2_params(issuer: OAuth2Issuer, directory: Path) -> str:
    key_file = directory / "oauth2-credentials.json"
    key_file.write_text(
        json.dumps({"client_id": issuer.client_id, "client_secret": issuer.client_secret})
    )
    return json.dumps(
        {
            "type": "client_credentials",
            "issuer_url": issuer.url,
            "private_key": str(key_file),
            "audience": "urn:fastpulsar-test",
        }
    )


@pytest.mark.interop
def test_oauth2_secrets_in_debug_lines_fastpulsar_and_3_13(
    secure, issuer, official_python, tmp_path
):
    secrets = [issuer.client_secret, issuer.access_token]
    outputs = {}
    for name, python, env in (
        ("fastpulsar", sys.executable, child_env()),
        ("pulsar-client 3.13", official_python, clean_env()),
    ):
        topic = f"persistent://public/default/oauth2-log-{uuid.uuid4().hex[:8]}"
        args = [secure.service_url_tls, secure.ca_cert_path, topic, oauth2_params(issuer, tmp_path)]
        proc = run_peer(python, "oauth2_log_peer.py", args, tmp_path, env)
        assert proc.returncode == 0, f"{name}: exit {proc.returncode}\n{proc.stderr[-4000:]}"
        assert proc.stdout.strip().splitlines()[-1] == "RESULT Ok", (
            f"{name}:\n{proc.stdout[-3000:]}"
        )
        outputs[name] = proc.stdout + proc.stderr
    assert_no_secret(outputs["fastpulsar"], secrets)
    assert "client_secret=***" in outputs["fastpulsar"]  # the line is there, masked
    # pulsar-client 3.13 prints both (libpulsar's AuthOauth2 DEBUG lines), which is why
    # fastpulsar masks them.
    assert all(secret in outputs["pulsar-client 3.13"] for secret in secrets)
