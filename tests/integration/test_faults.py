"""Faults on Apache Pulsar (issue 11, section 2): a broker SIGKILLed and restarted on its own
data, topics unloaded again and again, connections cut by a TCP proxy, while producers and
consumers run.  What must hold: every send_async callback runs exactly once, every message
acknowledged Ok is on the topic, nothing is stored twice with deduplication, nothing hangs,
consumers resume.

One Apache Pulsar standalone of this module's own (the session's ``standalone_broker`` is
shared, and must not be killed), with:

* a TCP proxy (fastpulsar_testing.proxy) in front of its binary port.  The broker answers a
  lookup with its own advertised address, and libpulsar then connects there, not to the
  service URL (its lookup keeps the service URL only when the broker sets
  ``proxyThroughServiceUrl``, which a standalone broker does not): so the broker also
  advertises a listener named ``external`` at the proxy's port, and the clients that must go
  through the proxy are created with ``listener_name="external"``.  The tests assert the
  proxy's byte counts;
* the namespace ``public/dedup`` with deduplication on (admin API), and infinite retention
  there and in ``public/default``, so that reading a topic back sees every stored message;
* ``managedLedgerDefaultMarkDeleteRateLimit=0``: every acknowledgment's mark-delete position
  is persisted at once (the standalone default persists at most one per 10 s), so "acks
  flushed before the crash" has a bounded meaning (ACK_FLUSH_S).

The producer scenarios (kill during 1,000,000 send_async, cut connection) run in a child
process, support/fault_producer.py, which pulsar-client 3.13 runs too (in its own venv) for
the README's figures: nothing is asserted on its outcome.  Every figure is printed at the end
of the module (terminal summary) and written to ``<pytest basetemp>/faults-figures.json``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastpulsar_testing import standalone
from fastpulsar_testing.admin import PulsarAdmin, topic_path
from fastpulsar_testing.official_venv import clean_env
from fastpulsar_testing.ports import LOOPBACK
from fastpulsar_testing.proxy import TcpProxy
from support.children import child_env
from support.faults import ProducerOutcome, figures, read_back, run_producer
from support.waiting import wait_until

import pulsar

# The first test also waits for the module's broker to start (minutes on a loaded machine).
pytestmark = [pytest.mark.standalone, pytest.mark.faults, pytest.mark.timeout(900)]

DEDUP_NAMESPACE = "public/dedup"
EXTERNAL_LISTENER = "external"

# a. The figure: 1,000,000 send_async in flight when the broker is SIGKILLed.
KILL_COUNT = 1_000_000
KILL_FAULT_AFTER = 200_000  # sends made before the kill; the rest go on while it is down
KILL_SEND_TIMEOUT_MS = 180_000  # longer than a restart on a loaded machine: expect all Ok
# b. The issue asks for 60 s; 60 s it is (the test's own wall time is about 75 s).
UNLOAD_RUN_S = 60.0
UNLOAD_EVERY_S = 1.0
UNLOAD_RATE = 1000  # messages per second sent during the run
# c. Connection cut for 10 s; sends paced so that some are younger and some older than the
# send timeout when the connection comes back.
CUT_S = 10.0
CUT_SEND_TIMEOUT_MS = 5000
CUT_RATE = 1000
CUT_BEFORE_S = 3.0  # sending before the cut
CUT_AFTER_S = 15.0  # sending after the restore
# d. Acks older than this at the crash count as flushed: ack grouping (100 ms) plus the
# broker's asynchronous persisting of the mark-delete position, with room for a slow machine.
ACK_FLUSH_S = 2.0
ACK_COUNT = 20_000
ACK_RATE = 2000  # acknowledgments per second, so the crash lands mid-stream

FIGURES: list[dict[str, Any]] = []


@dataclass
class FaultEnv:
    broker: standalone.StandaloneBroker
    proxy: TcpProxy
    admin: PulsarAdmin

    def ensure_running(self) -> None:
        """Restart the broker (data kept) if an earlier test left it down."""
        proc = self.broker.proc
        if proc is None or proc.poll() is not None:
            self.broker.restart()

    def crash_and_restart(self) -> float:
        """SIGKILL the broker, start it again on its ports and data; seconds until ready."""
        t0 = time.monotonic()
        self.broker.kill()
        self.broker.restart()
        return time.monotonic() - t0


@pytest.fixture(scope="module")
def fault_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    proxy = TcpProxy(0).start()  # its upstream is set once the broker has its ports
    broker = standalone.StandaloneBroker(
        request.config.getoption("standalone_version"),
        source=request.config.getoption("standalone_source"),
        work_dir=tmp_path_factory.mktemp("faults-broker"),
        external_listener_port=proxy.port,
        extra_config={"managedLedgerDefaultMarkDeleteRateLimit": 0},
    )
    pids: list[int] = []
    try:
        try:
            broker.start()
        except standalone.StandaloneError as exc:
            pytest.fail(f"Apache Pulsar standalone could not be started: {exc}", pytrace=False)
        proxy.upstream = (LOOPBACK, broker.ports["broker"])
        admin = broker.admin()
        admin.create_namespace(DEDUP_NAMESPACE)
        admin.set_namespace_deduplication(True, DEDUP_NAMESPACE)
        # Keep every message: without retention the broker deletes each closed ledger whose
        # messages no subscription still needs (after a crash, an unload), and the read-back
        # would miss them.
        for namespace in (DEDUP_NAMESPACE, "public/default"):
            admin.post(
                f"namespaces/{namespace}/retention",
                {"retentionTimeInMinutes": -1, "retentionSizeInMB": -1},
            )
        env = FaultEnv(broker, proxy, admin)
        yield env
    finally:
        if broker.pid is not None:
            pids.append(broker.pid)
        proxy.close()
        broker.stop()
        _report_figures(request.config, tmp_path_factory)
    left = [pid for pid in pids if _alive(pid)]
    assert not left, f"broker processes left behind: {left}"


@pytest.fixture
def env(fault_env: FaultEnv) -> FaultEnv:
    fault_env.ensure_running()
    fault_env.proxy.restore()
    return fault_env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _report_figures(config: pytest.Config, factory: pytest.TempPathFactory) -> None:
    if not FIGURES:
        return
    path = factory.getbasetemp() / "faults-figures.json"
    path.write_text(json.dumps(FIGURES, indent=2))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("-", f"fault figures (also in {path})")
        for row in FIGURES:
            reporter.write_line(json.dumps(row))


def _topic(namespace: str, name: str) -> str:
    return f"persistent://{namespace}/{name}-{os.urandom(4).hex()}"


def _fast_client(url: str, **kw: Any) -> pulsar.Client:
    return pulsar.Client(url, operation_timeout_seconds=30, **kw)


# -- the proxy itself ---------------------------------------------------------------------------


def test_proxy_forwards_cuts_stalls_and_restores(tmp_path):
    import socket

    server = socket.create_server((LOOPBACK, 0))
    stop = threading.Event()

    def echo() -> None:
        conns = []
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conns.append(conn)
            threading.Thread(target=_echo_conn, args=(conn,), daemon=True).start()
        for conn in conns:
            conn.close()

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    try:
        with TcpProxy(server.getsockname()[1]) as proxy:
            conn = socket.create_connection((LOOPBACK, proxy.port), timeout=10)
            conn.sendall(b"x" * 3_000_000)
            got = 0
            while got < 3_000_000:
                got += len(conn.recv(1 << 20))
            # The counts are updated just after each send: wait for the proxy's thread.
            assert wait_until(lambda: proxy.bytes_to_client == 3_000_000, timeout=10)
            assert proxy.bytes_to_upstream == 3_000_000
            proxy.stall()
            conn.sendall(b"abc")
            conn.settimeout(0.5)
            with pytest.raises(socket.timeout):
                conn.recv(10)
            proxy.restore()
            conn.settimeout(10)
            assert conn.recv(10) == b"abc"
            proxy.cut()
            assert conn.recv(10) == b""  # closed by the proxy
            refused = socket.create_connection((LOOPBACK, proxy.port), timeout=10)
            assert refused.recv(10) == b""
            assert proxy.connections_refused == 1
            proxy.restore()
            again = socket.create_connection((LOOPBACK, proxy.port), timeout=10)
            again.sendall(b"hi")
            assert again.recv(10) == b"hi"
            for s in (conn, refused, again):
                s.close()
        assert not any(t.name == "fastpulsar-test-proxy" for t in threading.enumerate())
    finally:
        stop.set()
        thread.join(5)
        server.close()


def _echo_conn(conn: Any) -> None:
    try:
        while data := conn.recv(1 << 16):
            conn.sendall(data)
    except OSError:
        pass


def test_traffic_goes_through_the_proxy(env):
    topic = _topic("public/default", "through-proxy")
    before_up, before_down = env.proxy.bytes_to_upstream, env.proxy.bytes_to_client
    client = _fast_client(env.proxy.url, listener_name=EXTERNAL_LISTENER)
    try:
        producer = client.create_producer(topic, batching_enabled=False)
        payload = os.urandom(200_000)
        producer.send(payload)
        consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
        assert consumer.receive(timeout_millis=30000).data() == payload
    finally:
        client.close()
    # Both the 200 kB message and its delivery went through the proxy: the lookup did not
    # send the client to the broker's own port.
    assert env.proxy.bytes_to_upstream - before_up > len(payload)
    assert env.proxy.bytes_to_client - before_down > len(payload)


# -- a. broker SIGKILLed during 1,000,000 send_async ---------------------------------------------


def _kill_cfg(env: FaultEnv, topic: str, name: str) -> dict[str, Any]:
    return {
        "service_url": env.broker.service_url,
        "topic": topic,
        "producer_name": name,
        "count": KILL_COUNT,
        "fault_after": KILL_FAULT_AFTER,
        "send_timeout_ms": KILL_SEND_TIMEOUT_MS,
        "max_pending": 10000,
        "callback_deadline_s": KILL_SEND_TIMEOUT_MS / 1000 + 60,
    }


def _run_kill_scenario(
    env: FaultEnv, python: str | Path, child: dict[str, str], work: Path, label: str, hard: bool
) -> tuple[ProducerOutcome, Any, dict[str, Any]]:
    topic = _topic(DEDUP_NAMESPACE, "kill")
    cfg = dict(_kill_cfg(env, topic, f"kill-{os.urandom(4).hex()}"), hard_exit=hard)
    recover: list[float] = []
    outcome = run_producer(
        python, child, cfg, work, lambda: recover.append(env.crash_and_restart()), timeout=900
    )
    client = _fast_client(env.broker.service_url)
    try:
        stored = read_back(client, topic, KILL_COUNT)
    finally:
        client.close()
    row = figures(label, outcome, stored, recover[0] if recover else None)
    row["in_flight_at_kill"] = _in_flight(outcome)
    FIGURES.append(row)
    return outcome, stored, row


def _in_flight(outcome: ProducerOutcome) -> int:
    """Messages sent before the kill whose callbacks ran after it."""
    t = outcome.fault_started
    return sum(
        1
        for sent, done in zip(outcome.sent_at, outcome.done_at)
        if 0 < sent < t and (done == 0 or done > t)
    )


@pytest.mark.timeout(1200)  # 1,000,000 messages, a broker crash and restart, a read-back
def test_broker_killed_during_a_million_send_async(env, tmp_path):
    outcome, _, row = _run_kill_scenario(
        env, sys.executable, child_env(), tmp_path, "a. SIGKILL + restart, fastpulsar", False
    )
    assert outcome.events["done"]["finished"], row
    assert "fault-now" in outcome.events
    # The crash happened with messages in flight.
    assert row["in_flight_at_kill"] > 0, row
    # Every callback ran exactly once.
    assert outcome.callbacks_twice == 0, row
    assert outcome.no_callback == 0, row
    assert outcome.callbacks_run == KILL_COUNT, row
    # Every message acknowledged Ok is on the topic, and none is there twice (dedup).
    assert row["acked_but_lost"] == 0, row
    assert row["stored_twice"] == 0, row
    assert set(row["results"]) <= {"Ok", "Timeout"}, row
    # When the broker was back well within the send timeout (libpulsar's reconnection backoff
    # grows up to 60 s while the broker is down), every message got through.
    if row["recover_s"] < KILL_SEND_TIMEOUT_MS / 1000 - 70:
        assert row["results"] == {"Ok": KILL_COUNT}, row


@pytest.mark.interop
@pytest.mark.timeout(1500)  # pulsar-client 3.13 sends 1,000,000 messages at ~30,000/s
def test_broker_killed_during_a_million_send_async_pulsar_client_313(
    env, tmp_path, official_python
):
    outcome, _, _ = _run_kill_scenario(
        env,
        official_python,
        clean_env(),
        tmp_path,
        "a. SIGKILL + restart, pulsar-client 3.13",
        True,
    )
    assert "fault-now" in outcome.events  # the scenario ran; its figures are the result


# -- b. topic unloaded every second ----------------------------------------------------------


def test_topic_unloaded_every_second_during_produce_and_consume(env):
    topic = _topic(DEDUP_NAMESPACE, "unload")
    client = _fast_client(env.broker.service_url)
    lock = threading.Lock()
    by_listener: dict[int, int] = {}
    by_receive: dict[int, int] = {}
    results: dict[int, list[Any]] = {}
    unloads = {"ok": 0, "failed": 0}
    stop = threading.Event()

    def on_message(consumer: pulsar.Consumer, msg: pulsar.Message) -> None:
        index = int.from_bytes(msg.data(), "big")
        with lock:
            by_listener[index] = by_listener.get(index, 0) + 1
        consumer.acknowledge(msg)

    def receive_loop(consumer: pulsar.Consumer) -> None:
        while not stop.is_set():
            try:
                msg = consumer.receive(timeout_millis=200)
            except pulsar.Timeout:
                continue
            index = int.from_bytes(msg.data(), "big")
            with lock:
                by_receive[index] = by_receive.get(index, 0) + 1
            consumer.acknowledge(msg)

    def unloader() -> None:
        while not stop.wait(UNLOAD_EVERY_S):
            try:
                env.admin.put(f"{topic_path(topic)}/unload", timeout=30)
                unloads["ok"] += 1
            except Exception:  # noqa: BLE001 - counted; the broker may be busy unloading
                unloads["failed"] += 1

    def callback(index: int, result: Any, msg_id: Any) -> None:
        with lock:
            results.setdefault(index, []).append(result)

    try:
        listener_consumer = client.subscribe(
            topic,
            "listener",
            message_listener=on_message,
            initial_position=pulsar.InitialPosition.Earliest,
        )
        loop_consumer = client.subscribe(
            topic, "loop", initial_position=pulsar.InitialPosition.Earliest
        )
        producer = client.create_producer(
            topic,
            producer_name=f"unload-{os.urandom(4).hex()}",
            batching_max_publish_delay_ms=10,
            block_if_queue_full=True,
        )
        threads = [
            threading.Thread(target=receive_loop, args=(loop_consumer,), daemon=True),
            threading.Thread(target=unloader, daemon=True),
        ]
        for t in threads:
            t.start()
        t0 = time.monotonic()
        sent = 0
        while time.monotonic() - t0 < UNLOAD_RUN_S:
            delay = t0 + sent / UNLOAD_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            producer.send_async(sent.to_bytes(8, "big"), functools.partial(callback, sent))
            sent += 1
        t_sent = time.monotonic()
        producer.flush()
        stop_unloads = time.monotonic()
        assert wait_until(lambda: len(results) == sent, timeout=120), "callbacks missing"
        ok = [i for i, rs in results.items() if rs == [pulsar.Result.Ok]]

        def all_received() -> bool:
            with lock:
                return all(i in by_listener and i in by_receive for i in ok)

        # Consumers resume after every unload: everything sent is received by both.
        received_all = wait_until(all_received, timeout=120, interval=0.2)
        stop.set()
        for t in threads:
            t.join(40)
        recover_s = time.monotonic() - stop_unloads
        listener_consumer.close()
        loop_consumer.close()
        producer.close()
        stored = read_back(client, topic, sent)
    finally:
        stop.set()
        client.close()

    twice_callbacks = sum(1 for rs in results.values() if len(rs) > 1)
    row = {
        "scenario": f"b. unload every {UNLOAD_EVERY_S:g} s for {UNLOAD_RUN_S:g} s, fastpulsar",
        "sent": sent,
        "callbacks_run": sum(len(rs) for rs in results.values()),
        "callbacks_twice": twice_callbacks,
        "results": _count_results(results),
        "acked_but_lost": sum(1 for i in ok if stored[i] == 0),
        "stored_twice": sum(1 for n in stored if n > 1),
        "listener_missing": sum(1 for i in ok if i not in by_listener),
        "receive_missing": sum(1 for i in ok if i not in by_receive),
        "listener_redelivered": sum(1 for n in by_listener.values() if n > 1),
        "receive_redelivered": sum(1 for n in by_receive.values() if n > 1),
        "unloads": unloads,
        "send_s": round(t_sent - t0, 1),
        "recover_s": round(recover_s, 1),
    }
    FIGURES.append(row)
    assert unloads["ok"] >= UNLOAD_RUN_S / UNLOAD_EVERY_S / 2, row  # the unloads happened
    assert twice_callbacks == 0, row
    assert row["callbacks_run"] == sent, row
    assert row["results"] == {"Ok": sent}, row
    assert row["acked_but_lost"] == 0, row
    assert row["stored_twice"] == 0, row
    assert received_all, row


def _count_results(results: dict[int, list[Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rs in results.values():
        name = pulsar.Result(rs[-1]).name
        counts[name] = counts.get(name, 0) + 1
    return counts


# -- c. connection cut by the proxy for 10 s ---------------------------------------------------


def _cut_cfg(env: FaultEnv, topic: str) -> dict[str, Any]:
    total_s = CUT_BEFORE_S + CUT_S + CUT_AFTER_S
    return {
        "service_url": env.proxy.url,
        "listener_name": EXTERNAL_LISTENER,
        "topic": topic,
        "producer_name": f"cut-{os.urandom(4).hex()}",
        "count": int(total_s * CUT_RATE),
        "rate": CUT_RATE,
        "fault_after": int(CUT_BEFORE_S * CUT_RATE),
        "send_timeout_ms": CUT_SEND_TIMEOUT_MS,
        "max_pending": 100_000,
        "callback_deadline_s": 120,
    }


def _cut(env: FaultEnv) -> None:
    env.proxy.cut()
    time.sleep(CUT_S)
    env.proxy.restore()


def _cut_figures(label: str, outcome: ProducerOutcome, stored: Any) -> dict[str, Any]:
    ok = int(pulsar.Result.Ok)
    after = [
        d for d, r in zip(outcome.done_at, outcome.results) if r == ok and d > outcome.fault_ended
    ]
    recover = (min(after) - outcome.fault_ended) if after else None
    row = figures(label, outcome, stored, recover)
    timeout_code = int(pulsar.Result.Timeout)
    row["timed_out_younger_than_send_timeout"] = sum(
        1
        for s, d, r in zip(outcome.sent_at, outcome.done_at, outcome.results)
        if r == timeout_code and d - s < CUT_SEND_TIMEOUT_MS / 1000
    )
    FIGURES.append(row)
    return row


def test_connection_cut_for_ten_seconds(env, tmp_path):
    topic = _topic(DEDUP_NAMESPACE, "cut")
    received: dict[int, int] = {}
    acked_at: dict[int, float] = {}
    lock = threading.Lock()
    stop = threading.Event()
    client = _fast_client(env.proxy.url, listener_name=EXTERNAL_LISTENER)
    bytes_before = env.proxy.bytes_forwarded
    accepted_before = env.proxy.connections_accepted

    def receive_loop(consumer: pulsar.Consumer) -> None:
        while not stop.is_set():
            try:
                msg = consumer.receive(timeout_millis=200)
            except pulsar.Timeout:
                continue
            index = int.from_bytes(msg.data(), "big")
            consumer.acknowledge(msg)
            with lock:
                received[index] = received.get(index, 0) + 1
                acked_at.setdefault(index, time.monotonic())

    try:
        consumer = client.subscribe(topic, "cut", initial_position=pulsar.InitialPosition.Earliest)
        thread = threading.Thread(target=receive_loop, args=(consumer,), daemon=True)
        thread.start()
        cfg = _cut_cfg(env, topic)
        outcome = run_producer(
            sys.executable, child_env(), cfg, tmp_path, lambda: _cut(env), timeout=240
        )
        ok_code = int(pulsar.Result.Ok)
        ok = outcome.indexes_with(ok_code)

        def all_received() -> bool:
            with lock:
                return all(i in received for i in ok)

        consumer_resumed = wait_until(all_received, timeout=120, interval=0.2)
        stop.set()
        thread.join(30)
        consumer.close()
        stored = read_back(client, topic, outcome.count)
    finally:
        stop.set()
        client.close()

    row = _cut_figures("c. connection cut 10 s, fastpulsar", outcome, stored)
    # The producer's and the consumer's traffic went through the proxy, and they reconnected
    # through it.
    assert env.proxy.bytes_forwarded - bytes_before > outcome.count * 8, row
    assert env.proxy.connections_accepted - accepted_before >= 2, row
    assert outcome.events["done"]["finished"], row
    assert outcome.callbacks_twice == 0, row
    assert outcome.no_callback == 0, row
    assert outcome.callbacks_run == outcome.count, row
    assert set(row["results"]) <= {"Ok", "Timeout"}, row
    timeout_code = int(pulsar.Result.Timeout)
    send_timeout_s = CUT_SEND_TIMEOUT_MS / 1000
    t_cut, t_restore = outcome.fault_started, outcome.fault_ended
    for i in range(outcome.count):
        sent, done, result = outcome.sent_at[i], outcome.done_at[i], outcome.results[i]
        if result == timeout_code:
            # Timeouts only once the oldest message waiting has waited the send timeout.
            # libpulsar then fails *every* pending message with Timeout, the young ones too
            # (ProducerImpl::handleSendTimeout: getPendingCallbacksWhenFailed), so a message
            # may time out younger than send_timeout_millis, never before the connection
            # has been gone that long.
            assert done >= t_cut + send_timeout_s * 0.9, (i, done - t_cut, row)
        elif t_cut < sent and sent + send_timeout_s + 1.0 < t_restore:
            # Sent during the cut and expired before the restore: cannot have succeeded.
            raise AssertionError(f"message {i} sent during the cut succeeded: {row}")
    # Sends resume on their own: once a message got through after the restore, every later
    # message does.
    after = [outcome.done_at[i] for i in ok if outcome.done_at[i] > t_restore]
    assert after, f"no send succeeded after the connection came back: {row}"
    t_back = min(after)
    late_failures = [
        i
        for i in range(outcome.count)
        if outcome.sent_at[i] > t_back and outcome.results[i] != ok_code
    ]
    assert not late_failures, (late_failures[:10], row)
    assert row["acked_but_lost"] == 0, row
    assert row["stored_twice"] == 0, row
    # The consumer resumes where it was: everything acknowledged Ok reaches it, and what it
    # acknowledged well before the cut is not delivered again.
    assert consumer_resumed, row
    redelivered_old = [
        i for i, n in received.items() if n > 1 and acked_at[i] < t_cut - ACK_FLUSH_S
    ]
    assert not redelivered_old, redelivered_old[:10]


@pytest.mark.interop
def test_connection_cut_for_ten_seconds_pulsar_client_313(env, tmp_path, official_python):
    topic = _topic(DEDUP_NAMESPACE, "cut313")
    cfg = dict(_cut_cfg(env, topic), hard_exit=True)
    bytes_before = env.proxy.bytes_forwarded
    outcome = run_producer(
        official_python, clean_env(), cfg, tmp_path, lambda: _cut(env), timeout=240
    )
    client = _fast_client(env.broker.service_url)
    try:
        stored = read_back(client, topic, outcome.count)
    finally:
        client.close()
    row = _cut_figures("c. connection cut 10 s, pulsar-client 3.13", outcome, stored)
    assert env.proxy.bytes_forwarded - bytes_before > outcome.count * 8, row  # it went through


# -- d. broker killed while a consumer acknowledges --------------------------------------------


def test_broker_killed_while_a_consumer_acknowledges(env):
    topic = _topic("public/default", "ack-crash")
    client = _fast_client(env.broker.service_url)
    first_ack: dict[int, float] = {}
    deliveries: dict[int, int] = {}
    crash: dict[str, float] = {}
    receive_errors: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def consume(consumer: pulsar.Consumer) -> None:
        t0 = time.monotonic()
        acked = 0
        while not stop.is_set():
            try:
                msg = consumer.receive(timeout_millis=500)
            except pulsar.Timeout:
                continue
            except pulsar.PulsarException as exc:  # while the broker is down: try again
                name = type(exc).__name__
                receive_errors[name] = receive_errors.get(name, 0) + 1
                time.sleep(0.2)
                continue
            index = int.from_bytes(msg.data(), "big")
            with lock:
                deliveries[index] = deliveries.get(index, 0) + 1
            try:
                consumer.acknowledge(msg)
            except pulsar.PulsarException:
                continue  # not acknowledged: the broker must deliver it again
            with lock:
                first_ack.setdefault(index, time.monotonic())
            acked += 1
            delay = t0 + acked / ACK_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    try:
        producer = client.create_producer(topic, batching_enabled=False, block_if_queue_full=True)
        consumer = client.subscribe(topic, "acks", initial_position=pulsar.InitialPosition.Earliest)
        for i in range(ACK_COUNT):
            producer.send_async(i.to_bytes(8, "big"), None)
        producer.flush()
        producer.close()
        worker = threading.Thread(target=consume, args=(consumer,), daemon=True)
        worker.start()
        try:
            assert wait_until(lambda: len(first_ack) >= ACK_COUNT // 3, timeout=120)
            # The crash and the restart run on this thread: the broker is started with
            # PR_SET_PDEATHSIG, which fires when the *thread* that started it ends.
            crash["at"] = time.monotonic()
            crash["recover_s"] = env.crash_and_restart()
            # Every message received at least once, then a few seconds for late redeliveries.
            wait_until(lambda: len(deliveries) >= ACK_COUNT, timeout=240, interval=0.2)
            time.sleep(3)
        finally:
            stop.set()
            worker.join(30)
        consumer.close()
    finally:
        client.close()

    assert "at" in crash, "the broker was not crashed"
    t_crash = crash["at"]
    flushed = {i for i, t in first_ack.items() if t < t_crash - ACK_FLUSH_S}
    redelivered_flushed = sorted(i for i in flushed if deliveries.get(i, 0) > 1)
    redelivered = sum(1 for n in deliveries.values() if n > 1)
    row: dict[str, Any] = {
        "scenario": "d. SIGKILL + restart while acknowledging, fastpulsar",
        "messages": ACK_COUNT,
        "received_at_least_once": len(deliveries),
        "acked_before_crash": sum(1 for t in first_ack.values() if t < t_crash),
        "acked_flushed_before_crash": len(flushed),
        "redelivered": redelivered,
        "redelivered_after_flushed_ack": len(redelivered_flushed),
        "recover_s": round(crash.get("recover_s", 0.0), 1),
        "receive_errors": receive_errors,
    }
    FIGURES.append(row)
    assert len(deliveries) == ACK_COUNT, row  # every message received at least once
    assert len(flushed) > 0, row
    assert not redelivered_flushed, (redelivered_flushed[:10], row)
