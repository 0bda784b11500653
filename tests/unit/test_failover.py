"""Cluster failover without a broker: ServiceInfo, AutoClusterFailover and
ServiceInfoProvider argument checks (pulsar-client 3.13's, with its messages where it has
one), and the Client made from them (nothing connects before the first operation)."""

from __future__ import annotations

import re
import threading
from typing import Callable

import pytest
from support.waiting import wait_until

import pulsar

PRIMARY = "pulsar://127.0.0.1:1"
SECONDARY = "pulsar://127.0.0.1:2"


def _failover(**kwargs: object) -> pulsar.AutoClusterFailover:
    return pulsar.AutoClusterFailover(
        pulsar.ServiceInfo(PRIMARY),
        [pulsar.ServiceInfo(SECONDARY)],
        **kwargs,  # type: ignore[arg-type]
    )


# ---- ServiceInfo --------------------------------------------------------------------------


def test_service_info_properties_and_repr():
    info = pulsar.ServiceInfo("pulsar+ssl://broker.example:6651", tls_trust_certs_file_path="/ca")
    assert info.service_url == "pulsar+ssl://broker.example:6651"
    assert info.use_tls is True
    assert info.tls_trust_certs_file_path == "/ca"
    assert repr(info) == (
        "ServiceInfo(service_url='pulsar+ssl://broker.example:6651', use_tls=True, "
        "tls_trust_certs_file_path='/ca')"
    )
    plain = pulsar.ServiceInfo("http://localhost:8080")
    assert plain.use_tls is False
    assert plain.tls_trust_certs_file_path is None


def test_service_info_accepts_an_authentication():
    info = pulsar.ServiceInfo(PRIMARY, authentication=pulsar.AuthenticationToken("t"))
    assert info.service_url == PRIMARY


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("bogus://x", "Invalid scheme: bogus"),
        ("", "The scheme part is missing: "),
        ("no-scheme", "The scheme part is missing: no-scheme"),
    ],
)
def test_service_info_malformed_url_is_a_plain_value_error(url, message):
    # As pulsar-client 3.13: libpulsar's message, and not a PulsarException.
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        pulsar.ServiceInfo(url)
    assert type(info.value) is ValueError
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"service_url": 1}, "service_url"),
        ({"service_url": PRIMARY, "authentication": "token"}, "authentication"),
        ({"service_url": PRIMARY, "tls_trust_certs_file_path": 1}, "tls_trust_certs_file_path"),
    ],
)
def test_service_info_wrong_types(kwargs, name):
    with pytest.raises(pulsar.InvalidArgumentType, match=f"Argument {name} is expected"):
        pulsar.ServiceInfo(**kwargs)


# ---- AutoClusterFailover ----------------------------------------------------------------


def test_auto_cluster_failover_defaults_and_repr():
    failover = _failover()
    assert failover.check_interval_ms == 5000
    assert failover.failover_threshold == 1
    assert failover.switch_back_threshold == 1
    assert failover.primary.service_url == PRIMARY
    assert [s.service_url for s in failover.secondary] == [SECONDARY]
    assert repr(failover).startswith("AutoClusterFailover(primary=ServiceInfo(")
    assert "check_interval_ms=5000, failover_threshold=1, switch_back_threshold=1)" in repr(
        failover
    )


def test_auto_cluster_failover_copies_the_secondary_list():
    secondary = [pulsar.ServiceInfo(SECONDARY)]
    failover = pulsar.AutoClusterFailover(pulsar.ServiceInfo(PRIMARY), secondary)
    secondary.append(pulsar.ServiceInfo("pulsar://127.0.0.1:3"))
    assert len(failover.secondary) == 1


@pytest.mark.parametrize(
    ("primary", "secondary", "message"),
    [
        ("pulsar://x:1", None, "Argument primary is expected to be of type 'ServiceInfo'"),
        (None, (), "Argument secondary is expected to be of type 'list', not 'tuple'"),
        (None, [None, "x"], "Argument secondary\\[1\\] is expected to be of type 'ServiceInfo'"),
    ],
)
def test_auto_cluster_failover_wrong_types(primary, secondary, message):
    primary = primary if primary is not None else pulsar.ServiceInfo(PRIMARY)
    if secondary is None:
        secondary = [pulsar.ServiceInfo(SECONDARY)]
    elif isinstance(secondary, list):
        secondary = [
            item if item is not None else pulsar.ServiceInfo(SECONDARY) for item in secondary
        ]
    with pytest.raises(pulsar.InvalidArgumentType, match=message):
        pulsar.AutoClusterFailover(primary, secondary)


def test_auto_cluster_failover_needs_a_secondary():
    with pytest.raises(
        ValueError, match="Argument secondary is expected to contain at least one ServiceInfo"
    ):
        pulsar.AutoClusterFailover(pulsar.ServiceInfo(PRIMARY), [])


@pytest.mark.parametrize(
    "name", ["check_interval_ms", "failover_threshold", "switch_back_threshold"]
)
@pytest.mark.parametrize("value", [0, -1])
def test_auto_cluster_failover_values_below_one(name, value):
    with pytest.raises(ValueError, match=f"Argument {name} is expected to be greater than 0"):
        _failover(**{name: value})


def test_auto_cluster_failover_check_interval_too_large():
    with pytest.raises(ValueError, match="Argument check_interval_ms is out of range: 2147483648"):
        _failover(check_interval_ms=2**31)


@pytest.mark.parametrize(
    ("name", "value"), [("failover_threshold", 2**32), ("switch_back_threshold", 2**40)]
)
def test_threshold_above_uint32_is_a_type_error_at_client(name, value):
    # As pulsar-client 3.13: the AutoClusterFailover takes it, Client(...) refuses it.
    failover = _failover(**{name: value})
    assert getattr(failover, name) == value
    with pytest.raises(TypeError, match=name):
        pulsar.Client(failover)


@pytest.mark.parametrize(
    "name", ["check_interval_ms", "failover_threshold", "switch_back_threshold"]
)
def test_auto_cluster_failover_non_int(name):
    with pytest.raises(pulsar.InvalidArgumentType, match=f"Argument {name} is expected"):
        _failover(**{name: 1.5})


# ---- Client -----------------------------------------------------------------------------


def test_client_with_auto_cluster_failover_starts_on_the_primary():
    client = pulsar.Client(_failover(check_interval_ms=100))
    try:
        info = client.get_service_info()
        assert isinstance(info, pulsar.ServiceInfo)
        assert info.service_url == PRIMARY
    finally:
        client.close()
    # As pulsar-client, a closed client still tells where it was.
    assert client.get_service_info().service_url == PRIMARY


def test_get_service_info_of_a_plain_client(offline_service_url):
    client = pulsar.Client(offline_service_url)
    try:
        assert client.get_service_info().service_url == offline_service_url
    finally:
        client.close()


@pytest.mark.parametrize("service_url", [3, None, [PRIMARY]])
def test_client_service_url_wrong_type(service_url):
    with pytest.raises(pulsar.InvalidArgumentType, match="Argument service_url is expected"):
        pulsar.Client(service_url)


def _provider(initial: str = PRIMARY) -> pulsar.ServiceInfoProvider:
    class Fixed(pulsar.ServiceInfoProvider):
        def initial_service_info(self) -> pulsar.ServiceInfo:
            return pulsar.ServiceInfo(initial)

        def initialize(self, on_service_info_update: Callable[[pulsar.ServiceInfo], None]) -> None:
            pass

    return Fixed()


@pytest.mark.parametrize("make", [_failover, _provider], ids=["failover", "provider"])
def test_client_rejects_authentication_with_a_failover(make):
    with pytest.raises(
        ValueError,
        match="Argument authentication is not supported when service_url is an AutoClusterFailover or ServiceInfoProvider; set authentication on each ServiceInfo instead",
    ):
        pulsar.Client(make(), authentication=pulsar.AuthenticationToken("t"))


@pytest.mark.parametrize("make", [_failover, _provider], ids=["failover", "provider"])
def test_client_rejects_a_trust_store_with_a_failover(make):
    with pytest.raises(
        ValueError, match="Argument tls_trust_certs_file_path is not supported when service_url"
    ):
        pulsar.Client(make(), tls_trust_certs_file_path="/ca.pem")


# ---- ServiceInfoProvider ------------------------------------------------------------------


class Recording(pulsar.ServiceInfoProvider):
    """Records which thread calls what, and keeps the update callback."""

    def __init__(self, initial: object = None) -> None:
        self.initial = pulsar.ServiceInfo(PRIMARY) if initial is None else initial
        self.calls: list[tuple[str, str]] = []
        self.callback: Callable[[pulsar.ServiceInfo], None] | None = None

    def initial_service_info(self) -> pulsar.ServiceInfo:
        self.calls.append(("initial_service_info", threading.current_thread().name))
        return self.initial  # type: ignore[return-value]

    def initialize(self, on_service_info_update: Callable[[pulsar.ServiceInfo], None]) -> None:
        self.calls.append(("initialize", threading.current_thread().name))
        self.callback = on_service_info_update

    def close(self) -> None:
        self.calls.append(("close", threading.current_thread().name))


def test_provider_is_driven_on_the_creating_thread_and_closed_with_the_client():
    provider = Recording()
    client = pulsar.Client(provider)
    me = threading.current_thread().name
    assert provider.calls == [("initial_service_info", me), ("initialize", me)]
    assert client.get_service_info().service_url == PRIMARY
    assert callable(provider.callback)

    provider.callback(pulsar.ServiceInfo(SECONDARY))
    assert client.get_service_info().service_url == SECONDARY

    client.close()
    assert provider.calls[-1] == ("close", me)
    # An update after close does nothing, as in pulsar-client.
    provider.callback(pulsar.ServiceInfo("pulsar://127.0.0.1:3"))
    assert [c for c, _ in provider.calls].count("close") == 1


def test_provider_callback_from_another_thread():
    provider = Recording()
    client = pulsar.Client(provider)
    try:
        errors: list[BaseException] = []

        def switch() -> None:
            try:
                assert provider.callback is not None
                provider.callback(pulsar.ServiceInfo(SECONDARY))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        worker = threading.Thread(target=switch)
        worker.start()
        worker.join(10)
        assert not errors
        assert client.get_service_info().service_url == SECONDARY
    finally:
        client.close()


def test_provider_callback_rejects_what_is_not_a_service_info():
    provider = Recording()
    client = pulsar.Client(provider)
    try:
        assert provider.callback is not None
        # A RuntimeError, as pulsar-client 3.13's callback raises.
        with pytest.raises(RuntimeError, match="Argument service_info") as info:
            provider.callback("pulsar://127.0.0.1:2")  # type: ignore[arg-type]  # on purpose
        assert type(info.value) is RuntimeError
        assert client.get_service_info().service_url == PRIMARY
    finally:
        client.close()


def test_provider_update_sent_from_initialize_is_applied():
    class Eager(Recording):
        def initialize(self, on_service_info_update: Callable[[pulsar.ServiceInfo], None]) -> None:
            on_service_info_update(pulsar.ServiceInfo(SECONDARY))

    client = pulsar.Client(Eager())
    try:
        assert client.get_service_info().service_url == SECONDARY
    finally:
        client.close()  # pulsar-client 3.13 dies here ("GIL is released")


def test_provider_closed_when_the_client_is_collected():
    provider = Recording()
    client = pulsar.Client(provider)
    del client
    import gc

    gc.collect()
    assert provider.calls[-1][0] == "close"


def test_provider_closed_after_shutdown():
    provider = Recording()
    client = pulsar.Client(provider)
    client.shutdown()
    assert provider.calls[-1][0] == "close"


def test_provider_raising_in_initial_service_info_propagates():
    class Broken(Recording):
        def initial_service_info(self) -> pulsar.ServiceInfo:
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        pulsar.Client(Broken())


def test_provider_raising_in_initialize_propagates():
    class Broken(Recording):
        def initialize(self, on_service_info_update: Callable[[pulsar.ServiceInfo], None]) -> None:
            raise RuntimeError("init boom")

    with pytest.raises(RuntimeError, match="init boom"):
        pulsar.Client(Broken())


def test_provider_returning_a_str_is_invalid_argument_type():
    with pytest.raises(pulsar.InvalidArgumentType, match="initial_service_info"):
        pulsar.Client(Recording(initial="pulsar://127.0.0.1:1"))


def test_provider_base_class_methods_raise_not_implemented():
    with pytest.raises(NotImplementedError):
        pulsar.Client(pulsar.ServiceInfoProvider())
    pulsar.ServiceInfoProvider().close()  # does nothing, raises nothing


def test_provider_close_raising_is_reported_not_raised(monkeypatch):
    reported: list[object] = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: reported.append(u.exc_value))

    class BadClose(Recording):
        def close(self) -> None:
            raise RuntimeError("close boom")

    client = pulsar.Client(BadClose())
    client.close()
    assert len(reported) == 1
    assert "close boom" in str(reported[0])


def test_provider_callbacks_from_many_threads_while_the_client_closes():
    # The callback races libpulsar's release of the provider at close: every call either
    # switches the client or does nothing; none raises, and the process survives.
    provider = Recording()
    client = pulsar.Client(provider)
    assert provider.callback is not None
    callback = provider.callback
    urls = [pulsar.ServiceInfo(f"pulsar://127.0.0.1:{port}") for port in (2, 3, 4)]
    stop = threading.Event()
    errors: list[BaseException] = []
    calls = [0]

    def hammer() -> None:
        try:
            while not stop.is_set():
                callback(urls[calls[0] % len(urls)])
                calls[0] += 1
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        assert wait_until(lambda: calls[0] > 50, timeout=10)
        client.close()
        before = calls[0]
        assert wait_until(lambda: calls[0] > before + 50, timeout=10)  # still called, after close
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
    assert not errors
    assert client.get_service_info().service_url in {u.service_url for u in urls}
