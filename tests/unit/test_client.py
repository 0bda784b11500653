"""pulsar.Client without a broker: malformed service URLs, a connection refused, and the
authentication classes (their argument checks, and a client accepting each)."""

import contextlib

import pytest
from support.auth import AUTH_FACTORIES
from support.topics import unique_topic

import pulsar


def _construct_and_use(url):
    c = pulsar.Client(url)
    # Should the constructor accept it, using the client must fail the same way.
    try:
        c.create_producer("persistent://public/default/never")
    finally:
        with contextlib.suppress(pulsar.PulsarException):
            c.close()


@pytest.mark.parametrize("url", ["foo://bar", "", "pulsar://", "http//missing-colon", "://x"])
def test_malformed_service_url_is_a_plain_value_error(url):
    # As pulsar-client 3.13: a plain ValueError (libpulsar's message), not a PulsarException.
    with pytest.raises(ValueError, match=r"\w") as info:
        _construct_and_use(url)
    assert type(info.value) is ValueError, repr(info.value)


def test_missing_scheme_message_is_libpulsars():
    with pytest.raises(ValueError, match=r"^The scheme part is missing: localhost$"):
        pulsar.Client("localhost")


def test_missing_authentication_plugin_is_accepted(offline_service_url):
    # As pulsar-client 3.13: libpulsar logs a warning; the operations fail later (see
    # tests/integration/test_errors_as_3_13.py).
    auth = pulsar.Authentication("someoldjunk.so", "blah")
    client = pulsar.Client(offline_service_url, authentication=auth)
    client.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_missing_authentication_plugin_over_http_fails_at_once(scheme):
    # pulsar-client 3.13 crashes (SIGSEGV) at the first lookup: fastpulsar raises instead.
    auth = pulsar.Authentication("someoldjunk.so", "blah")
    with pytest.raises(pulsar.AuthenticationError, match="plugin could not be loaded"):
        pulsar.Client(f"{scheme}://127.0.0.1:1", authentication=auth)
    with pytest.raises(pulsar.AuthenticationError, match="plugin could not be loaded"):
        pulsar.ServiceInfo(f"{scheme}://127.0.0.1:1", authentication=auth)


def test_connection_refused_raises_pulsar_exception(offline_service_url):
    client = pulsar.Client(
        offline_service_url, operation_timeout_seconds=3, connection_timeout_ms=1000
    )
    try:
        with pytest.raises(pulsar.PulsarException):
            client.create_producer(unique_topic("refused"))
    finally:
        client.close()


@pytest.mark.parametrize("kind", sorted(AUTH_FACTORIES))
def test_authentication_construction_and_client_accepts_it(offline_service_url, kind):
    auth = AUTH_FACTORIES[kind]()
    assert isinstance(auth, pulsar.Authentication)
    client = pulsar.Client(offline_service_url, authentication=auth)
    client.close()


@pytest.mark.parametrize("bad", [3, None, b"bytes-token"])
def test_authentication_token_rejects_non_str_non_callable(bad):
    with pytest.raises(ValueError, match="token"):
        pulsar.AuthenticationToken(bad)


def test_authentication_tls_and_basic_reject_wrong_types():
    with pytest.raises(ValueError, match="certificate_path"):
        pulsar.AuthenticationTLS(1, "/key.pem")  # type: ignore[arg-type]  # on purpose
    with pytest.raises(ValueError, match="password"):
        pulsar.AuthenticationBasic("user", 5)  # type: ignore[arg-type]  # on purpose
