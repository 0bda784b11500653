"""A real Apache Pulsar cluster on loopback for the tests marked ``cluster``: one ZooKeeper,
one bookie and two brokers (``cluster``), each a JVM of its own (``node``), configured by
``config``.  It runs from the jars the standalone broker uses (Java 17+; Maven for the first
download only).

Manual use (prints the URLs and keeps the cluster until Ctrl-C)::

    python -m fastpulsar_testing.cluster [--brokers 2]
"""

from __future__ import annotations

from .cluster import CLUSTER_NAME, ClusterBroker, ClusterError, PulsarCluster
from .node import JavaNode

__all__ = ["CLUSTER_NAME", "ClusterBroker", "ClusterError", "JavaNode", "PulsarCluster"]
