"""A broker that someone else runs, given by its URLs (e.g. ``FASTPULSAR_TEST_SERVICE_URL``).

It has the attributes of the launched brokers that tests use (``kind``, ``service_url``,
``admin_url``, ``admin()``), and ``start()``/``stop()`` that do nothing: its owner runs it.
"""

from __future__ import annotations

from .admin import PulsarAdmin


class ExternalBroker:
    """``ExternalBroker("pulsar://host:6650", "http://host:8080", kind="standalone")``.

    The admin URL is optional.  ``kind`` says which broker it is (``"pulsar-lite"`` or
    ``"standalone"``, Apache Pulsar), for callers whose expectations depend on it.
    """

    def __init__(
        self, service_url: str, admin_url: str | None = None, *, kind: str = "standalone"
    ) -> None:
        self.service_url = service_url
        self.admin_url = admin_url or None
        self.kind = kind

    def admin(self, token: str | None = None) -> PulsarAdmin:
        """Admin REST client; AssertionError if no admin URL was given (the test needs one)."""
        assert self.admin_url, (
            f"the broker at {self.service_url} was given without an admin URL, and this test "
            "needs the admin REST API"
        )
        return PulsarAdmin(self.admin_url, token)

    def start(self) -> ExternalBroker:
        return self

    def stop(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"ExternalBroker({self.service_url!r}, {self.admin_url!r}, kind={self.kind!r})"
