"""The standalone broker's helpers that need no broker: config writing, tokens, names."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from support import standalone
from support.pulsar_admin import topic_path


def test_write_config_replaces_keys_in_place_and_never_twice(tmp_path):
    template = "# comment\nbrokerServicePort=6650\nfoo=1\nbrokerServicePort=6651\nbar = 2\n"
    target = tmp_path / "out.conf"
    standalone.write_config(template, target, {"brokerServicePort": 1234, "bar": "x", "new": "y"})
    lines = target.read_text().splitlines()
    assert lines[:4] == ["# comment", "brokerServicePort=1234", "foo=1", "bar=x"]
    keys = [ln.split("=", 1)[0] for ln in lines if "=" in ln and not ln.startswith("#")]
    assert sorted(keys) == ["bar", "brokerServicePort", "foo", "new"]  # each once
    assert "new=y" in lines


def test_make_token_is_an_hs256_jwt():
    secret = b"s" * 32
    token = standalone.make_token(secret, "someone", expires_in=60)
    header, claims, signature = token.split(".")

    def decode(part):
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
def test_resolve_source(version, source, expected):
    assert standalone.resolve_source(version, source) == expected


def test_resolve_source_rejects_unknown():
    with pytest.raises(ValueError, match="unknown standalone source"):
        standalone.resolve_source("4.2.4", "docker")


def test_cache_root_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FASTPULSAR_TEST_CACHE", str(tmp_path))
    assert standalone.cached_home("4.2.4", "broker-jars") == tmp_path / "pulsar-broker-jars-4.2.4"
    assert standalone.cached_home("4.0.8", "distribution") == tmp_path / "apache-pulsar-4.0.8"


def test_tls_material(tmp_path):
    x509 = pytest.importorskip("cryptography.x509")
    paths = standalone.generate_tls_material(tmp_path)
    cert = x509.load_pem_x509_certificate(paths["cert"].read_bytes())
    ca = x509.load_pem_x509_certificate(paths["ca_cert"].read_bytes())
    assert cert.issuer == ca.subject
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert paths["key"].read_text().startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8


@pytest.mark.parametrize(
    ("topic", "path"),
    [
        ("persistent://public/default/t", "persistent/public/default/t"),
        ("non-persistent://a/b/c", "non-persistent/a/b/c"),
        ("short", "persistent/public/default/short"),
        ("persistent://public/default/a b", "persistent/public/default/a%20b"),
    ],
)
def test_topic_path(topic, path):
    assert topic_path(topic) == path


def test_topic_path_rejects_bad_names():
    with pytest.raises(ValueError, match="not a topic name"):
        topic_path("persistent://only/two")
