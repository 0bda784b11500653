"""Cluster failover, as pulsar-client 3.13 names it: `ServiceInfo` (one cluster),
`AutoClusterFailover` (libpulsar's own failover between a primary and secondaries) and
`ServiceInfoProvider` (a failover policy written in Python), each accepted by
`Client(service_url=...)`. The failover itself is libpulsar's; nothing here switches."""

from __future__ import annotations

from typing import Callable

from pulsar import _core
from pulsar._auth import Authentication
from pulsar._checks import check_optional, check_type, range_error

_UINT32_MAX = 2**32 - 1
_INTERVAL_MAX = 2**31 - 1  # milliseconds (about 24 days)


class ServiceInfo:
    """Connection information for one Pulsar cluster: its service URL, the authentication
    and the TLS trust store to use there. A malformed URL raises a plain `ValueError` with
    libpulsar's message, as pulsar-client.

    Args:
        service_url: The cluster's service URL (`pulsar://host:6650`,
            `pulsar+ssl://host:6651`, ...).
        authentication: How to authenticate to that cluster.
        tls_trust_certs_file_path: The certificate authorities (PEM) to trust there.
    """

    __slots__ = ("_authentication", "_info")

    def __init__(
        self,
        service_url: str,
        authentication: Authentication | None = None,
        tls_trust_certs_file_path: str | None = None,
    ) -> None:
        check_type(service_url, str, "service_url")
        check_optional(authentication, Authentication, "authentication")
        check_optional(tls_trust_certs_file_path, str, "tls_trust_certs_file_path")
        self._authentication = authentication
        self._info = _core.ServiceInfo(
            service_url,
            authentication.auth if authentication is not None else None,
            tls_trust_certs_file_path,
        )

    @property
    def service_url(self) -> str:
        """The cluster's service URL."""
        return self._info.service_url

    @property
    def use_tls(self) -> bool:
        """Whether the URL asks for TLS (`pulsar+ssl://`, `https://`)."""
        return self._info.use_tls

    @property
    def tls_trust_certs_file_path(self) -> str | None:
        """The certificate authorities (PEM) trusted for this cluster, if set."""
        return self._info.tls_trust_certs_file_path

    def __repr__(self) -> str:
        return (
            f"ServiceInfo(service_url={self.service_url!r}, use_tls={self.use_tls!r}, "
            f"tls_trust_certs_file_path={self.tls_trust_certs_file_path!r})"
        )

    @classmethod
    def wrap(cls, service_info: _core.ServiceInfo) -> ServiceInfo:
        """A ServiceInfo around the extension's object (as `Client.get_service_info()`).

        Args:
            service_info: The extension's `_core.ServiceInfo`.
        """
        check_type(service_info, _core.ServiceInfo, "service_info")
        self = cls.__new__(cls)
        self._authentication = None
        self._info = service_info
        return self


class ServiceInfoProvider:
    """Base class of a failover policy written in Python, given as `Client(service_url=...)`.

    The client calls `initial_service_info()`, then `initialize(callback)`, both on the
    thread creating it; the provider keeps `callback` and calls it, from any Python
    thread, with a new `ServiceInfo` to switch the client to another cluster (a call
    after the client is closed does nothing). `close()` is called when the client is
    closed (or collected)."""

    def initial_service_info(self) -> ServiceInfo:
        """The cluster the client connects to first; called once, by `Client()`."""
        raise NotImplementedError

    def initialize(self, on_service_info_update: Callable[[ServiceInfo], None]) -> None:
        """Start watching for cluster changes; called once, by `Client()`.

        Args:
            on_service_info_update: Call it with a new `ServiceInfo` (from any thread,
                at any time) to switch the client to that cluster.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Stop background work and release resources."""
        return


def _check_positive(value: int, name: str, maximum: int | None) -> None:
    """pulsar-client's message for a value below 1; ours (a range) for one too large."""
    if value <= 0:
        raise ValueError(f"Argument {name} is expected to be greater than 0")
    if maximum is not None and value > maximum:
        raise range_error(name, value, 1, maximum)


def check_thresholds(failover: AutoClusterFailover) -> None:
    """What `Client(failover)` raises for a threshold libpulsar cannot hold (a uint32): a
    TypeError, as pulsar-client 3.13 (whose AutoClusterFailover accepts any positive int)."""
    for name in ("failover_threshold", "switch_back_threshold"):
        value = getattr(failover, name)
        if value > _UINT32_MAX:
            raise TypeError(
                f"AutoClusterFailover's {name} is {value}: libpulsar takes at most {_UINT32_MAX}"
            )


class AutoClusterFailover:
    """libpulsar's automatic failover: every `check_interval_ms` it probes the cluster in
    use (a TCP connection to its host); after `failover_threshold` failed probes it
    switches to the first reachable cluster of `secondary`, and back to `primary` after
    `switch_back_threshold` good probes of it.

    Args:
        primary: The cluster used first and preferred.
        secondary: The clusters to fail over to, in order of preference (at least one).
        check_interval_ms: How often the cluster in use is probed, in milliseconds.
        failover_threshold: How many failed probes in a row make the client switch.
        switch_back_threshold: How many good probes of the primary in a row make the
            client switch back to it.

    Raises:
        ValueError: An empty `secondary`, or a value below 1 or too large.
    """

    def __init__(
        self,
        primary: ServiceInfo,
        secondary: list[ServiceInfo],
        check_interval_ms: int = 5000,
        failover_threshold: int = 1,
        switch_back_threshold: int = 1,
    ) -> None:
        check_type(primary, ServiceInfo, "primary")
        check_type(secondary, list, "secondary")
        check_type(check_interval_ms, int, "check_interval_ms")
        check_type(failover_threshold, int, "failover_threshold")
        check_type(switch_back_threshold, int, "switch_back_threshold")
        if not secondary:
            raise ValueError("Argument secondary is expected to contain at least one ServiceInfo")
        for index, service_info in enumerate(secondary):
            check_type(service_info, ServiceInfo, f"secondary[{index}]")
        _check_positive(check_interval_ms, "check_interval_ms", _INTERVAL_MAX)
        # Any size here, as pulsar-client 3.13: Client(...) raises TypeError above 2**32-1.
        _check_positive(failover_threshold, "failover_threshold", None)
        _check_positive(switch_back_threshold, "switch_back_threshold", None)
        self.primary = primary
        self.secondary = list(secondary)
        self.check_interval_ms = check_interval_ms
        self.failover_threshold = failover_threshold
        self.switch_back_threshold = switch_back_threshold

    def __repr__(self) -> str:
        return (
            f"AutoClusterFailover(primary={self.primary!r}, secondary={self.secondary!r}, "
            f"check_interval_ms={self.check_interval_ms!r}, "
            f"failover_threshold={self.failover_threshold!r}, "
            f"switch_back_threshold={self.switch_back_threshold!r})"
        )
