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
def test_malformed_service_url(url):
    with pytest.raises(pulsar.PulsarException) as info:
        _construct_and_use(url)
    assert isinstance(info.value, ValueError), repr(info.value)


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
