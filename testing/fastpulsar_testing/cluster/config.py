"""The configuration files of the cluster's processes: ZooKeeper's ``zoo.cfg``, the bookie's
``bookkeeper.conf`` and each broker's ``broker.conf`` (keys checked against Pulsar 4.2.4's
``ServiceConfiguration`` and BookKeeper 4.17's ``ServerConfiguration``)."""

from __future__ import annotations

from pathlib import Path

# The dbStorage/journal values of the standalone broker's embedded bookie (small caches, no
# fsync: test data only).
BOOKIE_STORAGE = {
    "ledgerStorageClass": "org.apache.bookkeeper.bookie.storage.ldb.DbLedgerStorage",
    "dbStorage_writeCacheMaxSizeMb": 16,
    "dbStorage_readAheadCacheMaxSizeMb": 16,
    "dbStorage_rocksDB_writeBufferSizeMB": 4,
    "dbStorage_rocksDB_sstSizeInMB": 4,
    "dbStorage_rocksDB_blockSize": 4096,
    "dbStorage_rocksDB_blockCacheSize": 16 * 1024 * 1024,
    "journalSyncData": "false",
    "journalMaxGroupWaitMSec": 1,
    "journalPreAllocSizeMB": 4,
    "diskUsageThreshold": 0.99,
    "diskUsageWarnThreshold": 0.99,
    "gcWaitTime": 300000,
}


def zookeeper_config(port: int, data_dir: Path) -> dict[str, object]:
    """One ZooKeeper server on 127.0.0.1:``port``, no admin HTTP server, ``ruok`` allowed
    (the readiness check).  tickTime 1 s: sessions may be as short as 2 s."""
    return {
        "tickTime": 1000,
        "initLimit": 10,
        "syncLimit": 5,
        "dataDir": data_dir,
        "clientPort": port,
        "clientPortAddress": "127.0.0.1",
        "maxClientCnxns": 0,
        "admin.enableServer": "false",
        "4lw.commands.whitelist": "ruok,srvr",
        "autopurge.purgeInterval": 0,
    }


def zk_connect(port: int) -> str:
    return f"127.0.0.1:{port}"


def bookie_config(port: int, zk_port: int, data_dir: Path) -> dict[str, object]:
    """One bookie on 127.0.0.1:``port`` with its ledgers' metadata under /ledgers in the
    ZooKeeper (formatted by initialize-cluster-metadata); no HTTP server, no autorecovery."""
    return {
        "bookiePort": port,
        "allowLoopback": "true",
        "allowEphemeralPorts": "false",
        "listeningInterface": "lo",
        "advertisedAddress": "127.0.0.1",
        "useHostNameAsBookieID": "false",
        "metadataServiceUri": f"zk+hierarchical://{zk_connect(zk_port)}/ledgers",
        "zkTimeout": 10000,
        "journalDirectories": data_dir / "journal",
        "ledgerDirectories": data_dir / "ledgers",
        "httpServerEnabled": "false",
        "autoRecoveryDaemonEnabled": "false",
        "lostBookieRecoveryDelay": 0,
        **BOOKIE_STORAGE,
    }


def broker_config(
    cluster_name: str, zk_port: int, broker_port: int, web_port: int, session_timeout_ms: int
) -> dict[str, object]:
    """One broker of ``cluster_name`` on loopback ports, metadata in the ZooKeeper.

    Placement: the modular load manager with ``loadBalancerDistributeBundlesEvenlyEnabled``
    spreads a namespace's bundles over the brokers; shedding and automatic bundle splits
    are off, so that nothing but the test moves a bundle.  ``session_timeout_ms``: how long
    the ZooKeeper keeps a killed broker's ownership before the other takes its bundles.
    """
    zk = f"zk:{zk_connect(zk_port)}"
    return {
        "clusterName": cluster_name,
        "metadataStoreUrl": zk,
        "configurationMetadataStoreUrl": zk,
        "metadataStoreSessionTimeoutMillis": session_timeout_ms,
        "bindAddress": "127.0.0.1",
        "advertisedAddress": "127.0.0.1",
        "brokerServicePort": broker_port,
        "webServicePort": web_port,
        "managedLedgerDefaultEnsembleSize": 1,
        "managedLedgerDefaultWriteQuorum": 1,
        "managedLedgerDefaultAckQuorum": 1,
        "bookkeeperClientMinNumRacksPerWriteQuorum": 1,
        "functionsWorkerEnabled": "false",
        "webSocketServiceEnabled": "false",
        "loadBalancerEnabled": "true",
        "loadManagerClassName": "org.apache.pulsar.broker.loadbalance.impl.ModularLoadManagerImpl",
        "loadBalancerDistributeBundlesEvenlyEnabled": "true",
        "loadBalancerSheddingEnabled": "false",
        "loadBalancerAutoBundleSplitEnabled": "false",
        "loadBalancerAutoUnloadSplitBundlesEnabled": "false",
        "loadBalancerReportUpdateMinIntervalMillis": 1000,
        "defaultNumberOfNamespaceBundles": 8,
        "brokerShutdownTimeoutMs": 20000,
        "numIOThreads": 2,
        "numHttpServerThreads": 8,
        "managedLedgerCacheSizeMB": 32,
        "maxMessageSize": 1024000,
    }
