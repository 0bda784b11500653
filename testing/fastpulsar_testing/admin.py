"""A small client for Apache Pulsar's admin REST API (``/admin/v2``), standard library only.

Used by the standalone launcher (readiness checks) and by the tests that run on it to set up what the binary protocol
cannot: namespace and topic policies (deduplication), partitioned topics, permissions.
When the broker has authentication on, pass the admin (super-user) token: every request
then carries ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import Any


class AdminError(RuntimeError):
    """The admin API answered with an unexpected HTTP status."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} -> HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


def topic_path(topic: str) -> str:
    """``persistent://tenant/ns/name`` (or a short name in public/default) as an admin v2 path."""
    if "://" in topic:
        domain, rest = topic.split("://", 1)
    else:
        domain, rest = "persistent", topic
    parts = rest.split("/")
    if len(parts) == 1:
        parts = ["public", "default", *parts]
    if len(parts) != 3 or domain not in ("persistent", "non-persistent"):
        raise ValueError(f"not a topic name: {topic!r}")
    return "/".join([domain, *(urllib.parse.quote(p, safe="") for p in parts)])


class PulsarAdmin:
    """``PulsarAdmin("http://127.0.0.1:8080", token=...)``; paths are relative to /admin/v2."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        ca_file: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._ssl = ssl.create_default_context(cafile=ca_file) if ca_file else None

    # -- raw requests -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        expect: Iterable[int] | None = None,
        timeout: float | None = None,
    ) -> tuple[int, Any]:
        """Send one request; return (status, decoded JSON body or text or None).

        Raises AdminError if the status is not 2xx (or not in ``expect`` when given).
        Connection errors (``OSError``) propagate.
        """
        url = f"{self.base_url}/admin/v2/{path.lstrip('/')}"
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(
                req, timeout=timeout or self.timeout, context=self._ssl
            ) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        text = raw.decode("utf-8", "replace")
        ok = status in expect if expect is not None else 200 <= status < 300
        if not ok:
            raise AdminError(method, url, status, text)
        if not text.strip():
            return status, None
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def _get_object(self, path: str) -> dict[str, Any]:
        """GET a JSON object; AdminError if the answer is anything else."""
        value = self.get(path)
        if not isinstance(value, dict):
            raise AdminError("GET", path, 200, f"expected a JSON object, got {value!r}")
        return value

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)[1]

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, body, **kw)[1]

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)[1]

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)[1]

    # -- broker -------------------------------------------------------------------------------

    def broker_version(self) -> str:
        return str(self.get("brokers/version"))

    def healthy(self, timeout: float = 30.0) -> bool:
        try:
            status, _ = self.request(
                "GET", "brokers/health", expect=range(100, 600), timeout=timeout
            )
        except OSError:
            return False
        return status == 200

    # -- namespaces ---------------------------------------------------------------------------

    def create_namespace(self, namespace: str) -> None:
        """Create ``tenant/name`` (the tenant must exist, e.g. ``public``)."""
        self.put(f"namespaces/{namespace}")

    def set_namespace_deduplication(
        self, enabled: bool = True, namespace: str = "public/default"
    ) -> None:
        self.post(f"namespaces/{namespace}/deduplication", bool(enabled))

    def namespace_deduplication(self, namespace: str = "public/default") -> Any:
        return self.get(f"namespaces/{namespace}/deduplication")

    def grant_namespace_permission(
        self,
        role: str,
        actions: Iterable[str] = ("produce", "consume"),
        namespace: str = "public/default",
    ) -> None:
        self.post(f"namespaces/{namespace}/permissions/{urllib.parse.quote(role)}", list(actions))

    # -- topics -------------------------------------------------------------------------------

    def create_topic(self, topic: str) -> None:
        self.put(topic_path(topic))

    def delete_topic(self, topic: str) -> None:
        self.delete(f"{topic_path(topic)}?force=true")

    def create_partitioned_topic(self, topic: str, partitions: int) -> None:
        self.put(f"{topic_path(topic)}/partitions", int(partitions))

    def delete_partitioned_topic(self, topic: str) -> None:
        self.delete(f"{topic_path(topic)}/partitions?force=true")

    def partitioned_metadata(self, topic: str) -> dict[str, Any]:
        return self._get_object(f"{topic_path(topic)}/partitions")

    def grant_topic_permission(
        self, topic: str, role: str, actions: Iterable[str] = ("produce", "consume")
    ) -> None:
        self.post(f"{topic_path(topic)}/permissions/{urllib.parse.quote(role)}", list(actions))

    def set_topic_deduplication(self, topic: str, enabled: bool = True) -> None:
        """Topic-level policy; the broker applies it asynchronously (see wait_...)."""
        self.post(f"{topic_path(topic)}/deduplicationEnabled", bool(enabled))

    def topic_deduplication(self, topic: str) -> Any:
        return self.get(f"{topic_path(topic)}/deduplicationEnabled")

    def wait_topic_deduplication(
        self, topic: str, enabled: bool = True, timeout: float = 30.0
    ) -> None:
        """Wait until the topic-level policy reads back as ``enabled``."""
        deadline = time.monotonic() + timeout
        while True:
            if self.topic_deduplication(topic) is enabled:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"deduplication of {topic} not {enabled} after {timeout} s "
                    f"(reads {self.topic_deduplication(topic)!r})"
                )
            time.sleep(0.1)

    def peek(
        self, topic: str, subscription: str, position: int = 1
    ) -> tuple[dict[str, list[str]], bytes]:
        """The message at ``position`` (1 = oldest unacknowledged) of a subscription's backlog.

        Returns (headers, payload): the broker reports the message metadata as ``X-Pulsar-*``
        headers (e.g. ``X-Pulsar-replicated-to``, ``X-Pulsar-deliver-at-time``); each header
        maps to the list of its values.
        """
        url = (
            f"{self.base_url}/admin/v2/{topic_path(topic)}/subscription/"
            f"{urllib.parse.quote(subscription, safe='')}/position/{int(position)}"
        )
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        req = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self._ssl) as resp:
                metadata: dict[str, list[str]] = {}
                for key, value in resp.headers.items():
                    metadata.setdefault(key, []).append(value)
                return metadata, resp.read()
        except urllib.error.HTTPError as exc:
            raise AdminError("GET", url, exc.code, exc.read().decode("utf-8", "replace")) from None

    def topic_stats(self, topic: str) -> dict[str, Any]:
        return self._get_object(f"{topic_path(topic)}/stats")

    def internal_stats(self, topic: str) -> dict[str, Any]:
        return self._get_object(f"{topic_path(topic)}/internalStats")

    def partitioned_stats(self, topic: str, per_partition: bool = True) -> dict[str, Any]:
        flag = "true" if per_partition else "false"
        return self._get_object(f"{topic_path(topic)}/partitioned-stats?perPartition={flag}")
