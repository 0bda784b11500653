"""TLS material for a broker on loopback: a self-signed CA and a server certificate.

Made with the ``cryptography`` package, imported here when called: it is in fastpulsar's
``test`` extra, not a dependency of this package. Where it is not installed (it does not
install on the free-threaded CPython 3.13), the ``openssl`` command makes the same files
(tls_openssl.py).
"""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from . import tls_openssl
from .errors import StandaloneError


def generate_tls_material(directory: Path) -> dict[str, Path]:
    """A CA and a certificate for ``localhost`` / ``127.0.0.1`` (PEM, PKCS#8 key) in
    ``directory``; returns their paths: ``ca_cert``, ``cert``, ``key`` (the CA's key is
    written beside them, as ``ca.key.pem``).

    Raises StandaloneError if neither ``cryptography`` nor ``openssl`` is here.
    """
    ca = generate_ca(directory)
    server = issue_certificate(
        ca, directory, "server", "localhost", dns_names=("localhost",), ip_addresses=("127.0.0.1",)
    )
    return {"ca_cert": ca["ca_cert"], "cert": server["cert"], "key": server["key"]}


def _use_openssl() -> bool:
    """Whether to make the material with the ``openssl`` command: when ``cryptography`` is
    not installed. Raises StandaloneError if neither is here."""
    try:
        import cryptography  # noqa: F401
    except ImportError as exc:
        if tls_openssl.available():
            return True
        raise StandaloneError(
            "the TLS tests need the `cryptography` package (or the `openssl` command) to make "
            "their certificates: install the test extra (`pip install '.[test]'`)"
        ) from exc
    return False


def generate_ca(directory: Path, name: str = "fastpulsar test CA") -> dict[str, Path]:
    """A self-signed CA named ``name`` in ``directory``: paths ``ca_cert`` and ``ca_key``
    (PEM; the key PKCS#8, unencrypted), for issue_certificate.

    Raises StandaloneError if neither ``cryptography`` nor ``openssl`` is here.
    """
    if _use_openssl():
        return tls_openssl.generate_ca(Path(directory), name)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    usage = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    paths = {"ca_cert": directory / "ca.cert.pem", "ca_key": directory / "ca.key.pem"}
    paths["ca_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["ca_key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def issue_certificate(
    ca: dict[str, Path],
    directory: Path,
    stem: str,
    common_name: str,
    *,
    dns_names: tuple[str, ...] = (),
    ip_addresses: tuple[str, ...] = (),
    client: bool = False,
) -> dict[str, Path]:
    """A certificate for ``common_name`` signed by ``ca`` (generate_ca's paths) with these
    subject alternative names, for a server (``client=True``: for a client; the broker's TLS
    authentication takes the role from the common name), as ``<stem>.cert.pem`` and
    ``<stem>.key.pem`` (PKCS#8) in ``directory``; returns paths ``cert`` and ``key``.

    Raises StandaloneError if neither ``cryptography`` nor ``openssl`` is here.
    """
    if _use_openssl():
        return tls_openssl.issue_certificate(
            ca, Path(directory), stem, common_name,
            dns_names=dns_names, ip_addresses=ip_addresses, client=client,
        )  # fmt: skip
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert = x509.load_pem_x509_certificate(Path(ca["ca_cert"]).read_bytes())
    ca_key = serialization.load_pem_private_key(Path(ca["ca_key"]).read_bytes(), password=None)
    if not isinstance(ca_key, rsa.RSAPrivateKey):
        raise StandaloneError(f"{ca['ca_key']}: not an RSA key (generate_ca makes one)")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    paths = {"cert": directory / f"{stem}.cert.pem", "key": directory / f"{stem}.key.pem"}
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,  # the broker's TLS code wants PKCS#8
            serialization.NoEncryption(),
        )
    )
    return paths
