"""An Apache Pulsar standalone of the security tests' own: TLS with a CA whose key the test
holds (to issue client certificates), and three authentication providers at once: token
(as the session's ``standalone_tls_broker``), TLS client certificates (role = the
certificate's common name) and basic (user/password, from an htpasswd-style list).

The shared session brokers are never reconfigured: this one is started and stopped by the
test module that needs it.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fastpulsar_testing.standalone import DEFAULT_VERSION, StandaloneBroker
from fastpulsar_testing.standalone.tls import generate_ca, issue_certificate

PROVIDERS = ",".join(
    "org.apache.pulsar.broker.authentication." + name
    for name in (
        "AuthenticationProviderToken",
        "AuthenticationProviderTls",
        "AuthenticationProviderBasic",
    )
)
BASIC_USER = "basic-user"


def apr1_hash(password: str) -> str | None:
    """``password`` hashed for an htpasswd line ($apr1$, as AuthenticationProviderBasic
    reads), by the ``openssl`` command; None when there is no ``openssl``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    out = subprocess.run(
        [openssl, "passwd", "-apr1", "-stdin"],
        input=password,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return out.stdout.strip()


@dataclass
class SecureBroker:
    """The running broker and the material its tests use."""

    broker: StandaloneBroker
    ca: dict[str, Path]
    server: dict[str, Path]
    basic_password: str | None
    clients: dict[str, dict[str, Path]] = field(default_factory=dict)

    @property
    def service_url_tls(self) -> str:
        return self.broker.service_url_tls

    @property
    def ca_cert_path(self) -> str:
        return str(self.ca["ca_cert"])

    def client_certificate(self, role: str) -> dict[str, Path]:
        """A client certificate (paths ``cert``, ``key``) with common name ``role``, signed
        by this broker's CA; made once per role."""
        if role not in self.clients:
            assert self.broker.work_dir is not None
            directory = self.broker.work_dir / "clients"
            self.clients[role] = issue_certificate(self.ca, directory, role, role, client=True)
        return self.clients[role]


def start_secure_broker(
    work_dir: Path, basic_password: str, version: str = DEFAULT_VERSION, source: str = "auto"
) -> SecureBroker:
    """Make the PKI in ``work_dir / "pki"``, start the broker (its files under
    ``work_dir / "broker"``) and return it; the caller stops ``.broker``.  Basic
    authentication is on only if ``openssl`` is there to hash the password
    (``basic_password`` is then set).  Raises StandaloneError."""
    pki = work_dir / "pki"
    ca = generate_ca(pki, "fastpulsar security-test CA")
    server = issue_certificate(
        ca, pki, "server", "localhost", dns_names=("localhost",), ip_addresses=("127.0.0.1",)
    )
    extra: dict[str, object] = {
        "tlsCertificateFilePath": server["cert"],
        "tlsKeyFilePath": server["key"],
        "tlsTrustCertsFilePath": ca["ca_cert"],
        # Expired tokens are challenged within a second (default 60 s): the token
        # supplier's refresh path is testable in seconds.
        "authenticationRefreshCheckSeconds": 1,
    }
    hashed = apr1_hash(basic_password)
    providers = PROVIDERS
    if hashed is None:
        providers = providers.rsplit(",", 1)[0]
    else:
        htpasswd = f"{BASIC_USER}:{hashed}\n".encode()
        extra["basicAuthConf"] = "data:;base64," + base64.b64encode(htpasswd).decode()
    extra["authenticationProviders"] = providers
    broker = StandaloneBroker(
        version, source=source, tls=True, work_dir=work_dir / "broker", extra_config=extra
    )
    broker.start()
    return SecureBroker(broker, ca, server, basic_password if hashed else None)
