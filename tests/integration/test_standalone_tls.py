"""TLS and token authentication on Apache Pulsar standalone (``standalone_tls_broker``).

The broker has a self-signed CA and server certificate made by the test (support/standalone.py,
with the ``cryptography`` package), TLS ports for the binary protocol and HTTP, and token
authentication + authorization (HS256 secret of its own; super-user role ``admin``).

Rejected credentials: the broker closes the connection, and libpulsar (4.2.0, as the official
pulsar-client 3.13.0) retries until the operation timeout and then raises ``Timeout``, never
``AuthenticationError`` (apache/pulsar-client-cpp#227).  These tests pin that down with a
short operation timeout, so a change in either direction is noticed.
"""

from __future__ import annotations

import os
import sys
import time
import uuid

import pytest
from fastpulsar_testing.admin import AdminError, PulsarAdmin
from fastpulsar_testing.standalone.tokens import make_token
from support.messages import EARLIEST, receive_unique
from support.waiting import wait_until

import pulsar

pytestmark = pytest.mark.standalone

SHORT_TIMEOUT_S = 3


def round_trip(client, topic, payload=b"secure"):
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = client.create_producer(topic)
    sent = producer.send(payload)
    msg = receive_unique(consumer, 1)[0]
    assert msg.data() == payload
    assert msg.message_id() == sent


@pytest.mark.parametrize(
    "validate_hostname", [False, True], ids=["no-hostname-check", "hostname-check"]
)
@pytest.mark.parametrize("token_kind", ["str", "supplier"])
def test_tls_with_token(standalone_tls_broker, topic, token_kind, validate_hostname):
    broker = standalone_tls_broker
    calls = []

    def supplier():
        calls.append(1)
        return broker.admin_token

    token = broker.admin_token if token_kind == "str" else supplier
    client = pulsar.Client(
        broker.service_url_tls,
        authentication=pulsar.AuthenticationToken(token),
        tls_trust_certs_file_path=broker.ca_cert_path,
        tls_validate_hostname=validate_hostname,  # the certificate names 127.0.0.1 too
    )
    try:
        round_trip(client, topic)
    finally:
        client.close()
    assert calls or token_kind == "str"


def test_token_on_the_plain_port(standalone_tls_broker, topic):
    broker = standalone_tls_broker
    client = pulsar.Client(
        broker.service_url, authentication=pulsar.AuthenticationToken(broker.admin_token)
    )
    try:
        round_trip(client, topic)
    finally:
        client.close()


@pytest.mark.parametrize("ca", ["none", "another-ca"])
def test_tls_with_an_untrusted_certificate_fails_with_connect_error(
    standalone_tls_broker, topic, tmp_path, ca
):
    from fastpulsar_testing.standalone.tls import generate_tls_material

    broker = standalone_tls_broker
    trust = None if ca == "none" else str(generate_tls_material(tmp_path)["ca_cert"])
    client = pulsar.Client(
        broker.service_url_tls,
        authentication=pulsar.AuthenticationToken(broker.admin_token),
        tls_trust_certs_file_path=trust,
        operation_timeout_seconds=30,
    )
    try:
        started = time.monotonic()
        with pytest.raises(pulsar.ConnectError):
            client.create_producer(topic)
        assert time.monotonic() - started < 10  # at once, not after the operation timeout
    finally:
        client.close()


def test_role_needs_a_grant(standalone_tls_broker, topic):
    broker = standalone_tls_broker
    role = f"app-{uuid.uuid4().hex[:8]}"
    broker.admin().create_topic(topic)  # a topic-level grant needs the topic
    client = pulsar.Client(
        broker.service_url_tls,
        authentication=pulsar.AuthenticationToken(broker.make_token(role)),
        tls_trust_certs_file_path=broker.ca_cert_path,
        operation_timeout_seconds=10,
    )
    try:
        # Authenticated but not authorized: a clean, immediate AuthorizationError.
        with pytest.raises(pulsar.AuthorizationError):
            client.create_producer(topic)
        with pytest.raises(pulsar.AuthorizationError):
            client.subscribe(topic, "s")
        broker.admin().grant_topic_permission(topic, role, ["produce", "consume"])

        def can_produce():
            try:
                client.create_producer(topic).close()
            except pulsar.AuthorizationError:
                return False
            return True

        assert wait_until(can_produce, timeout=30, interval=0.5)
        round_trip(client, topic, b"granted")
    finally:
        client.close()


# What fastpulsar (libpulsar 4.2.0) raises for rejected credentials: Timeout, after retrying
# for the operation timeout (apache/pulsar-client-cpp#227).  See the module docstring.
REJECTED = {
    "wrong-secret": lambda broker: pulsar.AuthenticationToken(make_token(os.urandom(32), "admin")),
    "expired": lambda broker: pulsar.AuthenticationToken(
        broker.make_token("admin", expires_in=-60)
    ),
    "not-a-jwt": lambda broker: pulsar.AuthenticationToken("not.a.jwt"),
    "no-authentication": lambda broker: None,
}


OPERATIONS = {
    "create_producer": lambda client, topic: client.create_producer(topic),
    "subscribe": lambda client, topic: client.subscribe(topic, "s"),
    "get_topic_partitions": lambda client, topic: client.get_topic_partitions(topic),
}


@pytest.mark.parametrize(
    ("credentials", "operation"),
    [(c, "create_producer") for c in sorted(REJECTED)]
    + [("wrong-secret", "subscribe"), ("wrong-secret", "get_topic_partitions")],
)
def test_rejected_token_raises_timeout_not_authentication_error(
    standalone_tls_broker, topic, credentials, operation
):
    broker = standalone_tls_broker
    client = pulsar.Client(
        broker.service_url_tls,
        authentication=REJECTED[credentials](broker),
        tls_trust_certs_file_path=broker.ca_cert_path,
        operation_timeout_seconds=SHORT_TIMEOUT_S,
    )
    try:
        started = time.monotonic()
        with pytest.raises(pulsar.PulsarException) as info:
            OPERATIONS[operation](client, topic)
        elapsed = time.monotonic() - started
    finally:
        client.close()
    assert type(info.value) is pulsar.Timeout, f"{type(info.value).__name__}: {info.value}"
    assert SHORT_TIMEOUT_S - 0.5 <= elapsed <= SHORT_TIMEOUT_S + 10, elapsed


def test_rejected_token_over_http_lookup_raises_connect_error(standalone_tls_broker, topic):
    # With an http:// service URL (lookups over the admin HTTP port), the broker's 401 comes
    # back at once, as ConnectError.
    broker = standalone_tls_broker
    bad = pulsar.AuthenticationToken(make_token(os.urandom(32), "admin"))
    client = pulsar.Client(broker.admin_url, authentication=bad, operation_timeout_seconds=30)
    try:
        started = time.monotonic()
        with pytest.raises(pulsar.ConnectError):
            client.create_producer(topic)
        assert time.monotonic() - started < 10
    finally:
        client.close()
    good = pulsar.Client(
        broker.admin_url, authentication=pulsar.AuthenticationToken(broker.admin_token)
    )
    try:
        round_trip(good, topic)
    finally:
        good.close()


def test_raising_token_supplier_is_reported(standalone_tls_broker, topic, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable))

    def supplier():
        raise RuntimeError("no token today")

    broker = standalone_tls_broker
    client = pulsar.Client(
        broker.service_url_tls,
        authentication=pulsar.AuthenticationToken(supplier),
        tls_trust_certs_file_path=broker.ca_cert_path,
        operation_timeout_seconds=SHORT_TIMEOUT_S,
    )
    try:
        # At once, as pulsar-client 3.13 (libpulsar's connect path fails the connection).
        with pytest.raises(pulsar.AuthenticationError):
            client.create_producer(topic)
    finally:
        client.close()
    assert seen, "the supplier's exception was not reported"
    assert all(isinstance(u.exc_value, RuntimeError) for u in seen)


def test_admin_rest_over_https_needs_the_token(standalone_tls_broker):
    broker = standalone_tls_broker
    assert broker.admin(use_tls=True).get("clusters") == ["standalone"]
    anonymous = PulsarAdmin(broker.admin_url_tls, ca_file=broker.ca_cert_path)
    with pytest.raises(AdminError) as info:
        anonymous.get("clusters")
    assert info.value.status == 401
