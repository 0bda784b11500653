"""Self-tests of the broker helpers (fastpulsar_testing) and of the suite's own settings, the
parts that need no broker: ports, cache directory, config writing, tokens, certificates,
admin paths, binary lookup, and the environment variables that name an existing broker."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import ssl
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from fastpulsar_testing import standalone
from fastpulsar_testing.admin import topic_path
from fastpulsar_testing.cache import cache_dir
from fastpulsar_testing.external import ExternalBroker
from fastpulsar_testing.lite import BrokerError, find_pulsar_lite_binary
from fastpulsar_testing.ports import free_ports, port_accepts
from fastpulsar_testing.standalone import tls_openssl
from fastpulsar_testing.standalone.config import write_config
from fastpulsar_testing.standalone.tls import generate_ca, generate_tls_material, issue_certificate
from fastpulsar_testing.standalone.tokens import make_token
from fixtures import lite as lite_plugin
from fixtures import standalone as standalone_plugin


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_port_accepts_sees_a_listener_and_only_then() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert not port_accepts(port)  # bound, not listening
        sock.listen()
        assert port_accepts(port)


def test_cache_dir_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FASTPULSAR_TEST_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path
    assert standalone.cached_home("4.2.4", "broker-jars") == tmp_path / "pulsar-broker-jars-4.2.4"
    assert standalone.cached_home("4.0.8", "distribution") == tmp_path / "apache-pulsar-4.0.8"
    monkeypatch.delenv("FASTPULSAR_TEST_CACHE")
    assert cache_dir() == Path.home() / ".cache" / "fastpulsar-tests"
    monkeypatch.setenv("OTHER_CACHE", "~/elsewhere")
    assert cache_dir("OTHER_CACHE", "x") == Path.home() / "elsewhere"


def test_write_config_replaces_keys_in_place_and_never_twice(tmp_path: Path) -> None:
    template = "# comment\nbrokerServicePort=6650\nfoo=1\nbrokerServicePort=6651\nbar = 2\n"
    target = tmp_path / "out.conf"
    write_config(template, target, {"brokerServicePort": 1234, "bar": "x", "new": "y"})
    lines = target.read_text().splitlines()
    assert lines[:4] == ["# comment", "brokerServicePort=1234", "foo=1", "bar=x"]
    keys = [ln.split("=", 1)[0] for ln in lines if "=" in ln and not ln.startswith("#")]
    assert sorted(keys) == ["bar", "brokerServicePort", "foo", "new"]  # each once
    assert "new=y" in lines


def test_make_token_is_an_hs256_jwt() -> None:
    secret = b"s" * 32
    token = make_token(secret, "someone", expires_in=60)
    header, claims, signature = token.split(".")

    def decode(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    assert json.loads(decode(header)) == {"alg": "HS256", "typ": "JWT"}
    payload = json.loads(decode(claims))
    assert payload["sub"] == "someone"
    assert isinstance(payload["exp"], int)
    expected = hmac.new(secret, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert decode(signature) == expected


@pytest.mark.parametrize(
    ("version", "source", "expected"),
    [
        ("4.2.4", "auto", "broker-jars"),
        ("4.0.8", "auto", "distribution"),
        ("3.0.12", "auto", "distribution"),
        ("4.0.8", "broker-jars", "broker-jars"),
    ],
)
def test_resolve_source(version: str, source: str, expected: str) -> None:
    assert standalone.resolve_source(version, source) == expected


def test_resolve_source_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown standalone source"):
        standalone.resolve_source("4.2.4", "docker")


@pytest.fixture(params=["cryptography", "openssl"])
def tls_tool(request: pytest.FixtureRequest) -> Callable[[], AbstractContextManager[object]]:
    """Which tool makes the TLS material: the test makes it inside the context manager this
    returns. For "openssl", `cryptography` is unimportable inside it (as on the free-threaded
    3.13, where it does not install), so tls.py falls back to the command; only there, since
    cryptography imports some of its modules lazily, when certificates are read afterwards.
    For "cryptography", the test skips where it is not installed."""
    if request.param == "openssl":
        if not tls_openssl.available():
            pytest.skip("no `openssl` command on PATH")

        @contextlib.contextmanager
        def without_cryptography() -> Iterator[None]:
            with pytest.MonkeyPatch.context() as patch:
                patch.setitem(sys.modules, "cryptography", None)
                yield

        return without_cryptography
    pytest.importorskip("cryptography")  # in the test extra; not on 3.13t
    return contextlib.nullcontext


@pytest.fixture
def x509() -> Any:
    """cryptography.x509, to read certificates (in the test extra; not on 3.13t)."""
    return pytest.importorskip("cryptography.x509")


def test_tls_material(
    tmp_path: Path, x509: Any, tls_tool: Callable[[], AbstractContextManager[object]]
) -> None:
    with tls_tool():
        paths = generate_tls_material(tmp_path)
    cert = x509.load_pem_x509_certificate(paths["cert"].read_bytes())
    ca = x509.load_pem_x509_certificate(paths["ca_cert"].read_bytes())
    assert cert.issuer == ca.subject
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert paths["key"].read_text().startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8


def test_tls_material_makes_a_handshake(
    tmp_path: Path, tls_tool: Callable[[], AbstractContextManager[object]]
) -> None:
    """The server certificate verifies against the CA for "localhost", and a client
    certificate (client=True) is accepted by a server that requires one from that CA."""
    with tls_tool():
        ca = generate_ca(tmp_path / "ca", "fastpulsar unit-test CA")
        server = issue_certificate(
            ca,
            tmp_path,
            "server",
            "localhost",
            dns_names=("localhost",),
            ip_addresses=("127.0.0.1",),
        )
        client = issue_certificate(ca, tmp_path, "app", "app", client=True)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(server["cert"], server["key"])
    server_ctx.load_verify_locations(ca["ca_cert"])
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.create_default_context(cafile=str(ca["ca_cert"]))
    client_ctx.load_cert_chain(client["cert"], client["key"])
    peer: list[Any] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(30)

        def serve() -> None:
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                peer.append(tls.getpeercert())
                tls.sendall(b"ok")

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        raw = socket.create_connection(listener.getsockname(), timeout=30)
        with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:  # owns raw's fd
            assert tls.recv(2) == b"ok"
        thread.join(30)
    assert len(peer) == 1
    assert ("commonName", "app") in [kv for rdn in peer[0]["subject"] for kv in rdn]


@pytest.mark.parametrize(
    ("topic", "path"),
    [
        ("persistent://public/default/t", "persistent/public/default/t"),
        ("non-persistent://a/b/c", "non-persistent/a/b/c"),
        ("short", "persistent/public/default/short"),
        ("persistent://public/default/a b", "persistent/public/default/a%20b"),
    ],
)
def test_topic_path(topic: str, path: str) -> None:
    assert topic_path(topic) == path


def test_topic_path_rejects_bad_names() -> None:
    with pytest.raises(ValueError, match="not a topic name"):
        topic_path("persistent://only/two")


def test_pulsar_lite_binary_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PULSAR_LITE_BIN", str(tmp_path / "missing"))
    with pytest.raises(BrokerError, match="does not name a file"):
        find_pulsar_lite_binary()
    binary = tmp_path / "pulsar-lite"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o644)
    monkeypatch.setenv("PULSAR_LITE_BIN", str(binary))
    assert find_pulsar_lite_binary() == binary
    assert binary.stat().st_mode & stat.S_IXUSR  # made executable


def test_external_broker_without_admin_url_says_so() -> None:
    broker = ExternalBroker("pulsar://127.0.0.1:6650")
    assert broker.admin_url is None
    with pytest.raises(AssertionError, match="without an admin URL"):
        broker.admin()
    with_admin = ExternalBroker("pulsar://h:6650", "http://h:8080", kind="pulsar-lite")
    assert with_admin.admin().base_url == "http://h:8080"
    assert with_admin.kind == "pulsar-lite"


def test_existing_brokers_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FASTPULSAR_TEST_SERVICE_URL",
        "FASTPULSAR_TEST_ADMIN_URL",
        "FASTPULSAR_TEST_BROKER_KIND",
        "FASTPULSAR_TEST_STANDALONE_SERVICE_URL",
        "FASTPULSAR_TEST_STANDALONE_ADMIN_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    assert lite_plugin.external_broker() is None
    assert standalone_plugin.external_standalone() is None

    monkeypatch.setenv("FASTPULSAR_TEST_SERVICE_URL", "pulsar://elsewhere:6650")
    found = lite_plugin.external_broker()
    assert found is not None
    assert (found.service_url, found.admin_url, found.kind) == (
        "pulsar://elsewhere:6650",
        None,
        "pulsar-lite",
    )
    monkeypatch.setenv("FASTPULSAR_TEST_BROKER_KIND", "standalone")
    monkeypatch.setenv("FASTPULSAR_TEST_ADMIN_URL", "http://elsewhere:8080")
    found = lite_plugin.external_broker()
    assert found is not None
    assert (found.admin_url, found.kind) == ("http://elsewhere:8080", "standalone")

    monkeypatch.setenv("FASTPULSAR_TEST_STANDALONE_SERVICE_URL", "pulsar://sa:6650")
    monkeypatch.setenv("FASTPULSAR_TEST_STANDALONE_ADMIN_URL", "http://sa:8080")
    sa = standalone_plugin.external_standalone()
    assert sa is not None
    assert (sa.service_url, sa.admin_url, sa.kind) == (
        "pulsar://sa:6650",
        "http://sa:8080",
        "standalone",
    )
