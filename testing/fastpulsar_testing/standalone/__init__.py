"""Apache Pulsar standalone for the tests and the benchmark: obtained from Maven Central
(``maven``), configured (``config``, ``tls``, ``tokens``), started on loopback and stopped
(``process``).  Needs Java 17+ (``java``) and, for the first download only, Maven.

Manual use (prints the URLs and keeps the broker until Ctrl-C)::

    python -m fastpulsar_testing.standalone [--tls] [--version 4.0.8] [--fetch-only]
"""

from __future__ import annotations

from .errors import StandaloneError, ToolMissing
from .java import MIN_JAVA, find_java
from .maven import DEFAULT_VERSION, SOURCES, cached_home, ensure_broker, is_cached, resolve_source
from .process import StandaloneBroker

__all__ = [
    "DEFAULT_VERSION",
    "MIN_JAVA",
    "SOURCES",
    "StandaloneBroker",
    "StandaloneError",
    "ToolMissing",
    "cached_home",
    "ensure_broker",
    "find_java",
    "is_cached",
    "resolve_source",
]
