"""The broker's configuration: a template (the distribution's ``conf/standalone.conf``, or
ours in broker-jars mode) with our settings replaced in place, and its log4j2 configuration."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from pathlib import Path

from .tokens import ADMIN_ROLE

TOKEN_AUTH_PROVIDER = "org.apache.pulsar.broker.authentication.AuthenticationProviderToken"
TOKEN_CLIENT_PLUGIN = "org.apache.pulsar.client.impl.auth.AuthenticationToken"

# broker-jars mode has no conf/standalone.conf: these are the values of the 4.0.8
# distribution's standalone.conf that differ from the broker and bookie defaults.
MINIMAL_STANDALONE_CONF = """\
clusterName=standalone
managedLedgerDefaultEnsembleSize=1
managedLedgerDefaultWriteQuorum=1
managedLedgerDefaultAckQuorum=1
managedLedgerDefaultMarkDeleteRateLimit=0.1
managedLedgerCacheEvictionFrequency=100.0
loadBalancerEnabled=false
loadManagerClassName=org.apache.pulsar.broker.loadbalance.NoopLoadManager
bookkeeperClientMinNumRacksPerWriteQuorum=1
bookkeeperClientReorderReadSequenceEnabled=false
backlogQuotaDefaultLimitGB=10
allowLoopback=true
ledgerStorageClass=org.apache.bookkeeper.bookie.storage.ldb.DbLedgerStorage
journalMaxGroupWaitMSec=1
journalSyncData=false
dbStorage_rocksDB_writeBufferSizeMB=4
dbStorage_rocksDB_sstSizeInMB=4
dbStorage_rocksDB_blockSize=4096
dbStorage_rocksDB_bloomFilterBitsPerKey=10
dbStorage_rocksDB_numLevels=-1
dbStorage_rocksDB_numFilesInLevel0=4
dbStorage_rocksDB_maxSizeInLevel1MB=256
diskUsageThreshold=0.99
diskUsageWarnThreshold=0.99
gcWaitTime=300000
flushInterval=60000
nettyMaxFrameSizeBytes=5253120
"""

# The distribution's log4j2.yaml needs a Prometheus appender that is not among the broker's
# jars: log to stdout (redirected to the log file) instead.
LOG4J2_PROPERTIES = """\
status = warn
appender.console.type = Console
appender.console.name = Console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{ISO8601} [%t] %-5level %c{1} - %msg%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = Console
"""


def base_overrides(ports: Mapping[str, int]) -> dict[str, object]:
    """Our settings for every broker: loopback only, on ``ports["broker"]`` and
    ``ports["web"]``, strict delayed delivery, messages up to 1,024,000 bytes."""
    return {
        "bindAddress": "127.0.0.1",
        "advertisedAddress": "127.0.0.1",
        "brokerServicePort": ports["broker"],
        "webServicePort": ports["web"],
        # Read by the embedded bookie (it loads the same file): without allowEphemeralPorts
        # it ignores --bookkeeper-port, without listeningInterface it binds 0.0.0.0.
        "allowEphemeralPorts": "true",
        "listeningInterface": "lo",
        "maxMessageSize": 1024000,
        "isDelayedDeliveryDeliverAtTimeStrict": "true",
    }


def tls_overrides(
    ports: Mapping[str, int], tls_files: Mapping[str, Path], token_secret: bytes, admin_token: str
) -> dict[str, object]:
    """TLS ports (``ports["broker_tls"]``, ``ports["web_tls"]``) with ``tls_files`` (see
    tls.generate_tls_material), token authentication with the HS256 ``token_secret``, and
    authorization with ``admin`` as the super-user (``admin_token`` for the broker's own
    internal client)."""
    return {
        "brokerServicePortTls": ports["broker_tls"],
        "webServicePortTls": ports["web_tls"],
        "tlsCertificateFilePath": tls_files["cert"],
        "tlsKeyFilePath": tls_files["key"],
        "tlsTrustCertsFilePath": tls_files["ca_cert"],
        "authenticationEnabled": "true",
        "authorizationEnabled": "true",
        "authenticationProviders": TOKEN_AUTH_PROVIDER,
        "tokenSecretKey": "data:;base64," + base64.b64encode(token_secret).decode(),
        "superUserRoles": ADMIN_ROLE,
        # The broker's own internal client (e.g. the health check) authenticates too.
        "brokerClientAuthenticationPlugin": TOKEN_CLIENT_PLUGIN,
        "brokerClientAuthenticationParameters": f"token:{admin_token}",
    }


def write_config(template: str, target: Path, overrides: Mapping[str, object]) -> None:
    """Write ``template`` with each overridden key replaced in place, new keys appended.

    A key must never appear twice: the bookie's config parser turns repeats into lists.
    """
    lines: list[str] = []
    seen: set[str] = set()
    for line in template.splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*=", line)
        if m and m.group(1) in overrides:
            key = m.group(1)
            if key not in seen:
                lines.append(f"{key}={overrides[key]}")
                seen.add(key)
        else:
            lines.append(line)
    lines += ["", "# --- fastpulsar test overrides ---"]
    lines += [f"{key}={value}" for key, value in overrides.items() if key not in seen]
    target.write_text("\n".join(lines) + "\n")
