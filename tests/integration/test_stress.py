"""Stress (issue 11, section 4): for STRESS_SECONDS (default 60,
``FASTPULSAR_STRESS_SECONDS``), 8 threads send on two shared producers (one batching), each
alternating bursts of send_async with a sync send; 4 consumers with listeners share a
subscription; meanwhile two more threads create and close producers (which send) and
consumers (with listeners, on the shared subscription and on subscriptions of their own).

Asserted: no deadlock (the child runs under a faulthandler watchdog, every wait is bounded,
and the parent kills a child that overruns, with every thread's stack); every send_async
callback runs exactly once; every send acknowledged Ok is received on the shared
subscription; no message is received under two message ids (a client-made duplicate);
nothing is received that was not sent; every thread ends; close() returns.

Redeliveries of the same message id are counted, not failed: pulsar-lite 0.2.0 re-dispatches
entries it already sent (see support.messages), and a consumer closed with messages in its
queue hands them back to the others, as any Pulsar broker does (at-least-once).

A payload under two message ids is a failure unless the broker itself dropped the client's
connection: pulsar-lite 0.2.0 closes the whole connection ("protocol error: Unknown consumer
ID") when a command for a consumer it has just closed arrives (a flow permit or an
acknowledgment that crossed the CloseConsumer on the wire, which Apache Pulsar ignores). The
producers then reconnect and resend what was in flight, and a broker without deduplication
(pulsar-lite has none) may store some of it twice: Pulsar's at-least-once, not a client-made
duplicate. The test then bounds the duplicates by what can be in flight per drop.

Runs on a pulsar-lite of its own, so the load does not slow the session's broker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastpulsar_testing.lite import PulsarLite
from fixtures.lite import start_pulsar_lite
from support.guarded import run_guarded

STRESS_SECONDS = float(os.environ.get("FASTPULSAR_STRESS_SECONDS", "60"))
DRAIN_SECONDS = 90.0  # after the run: flushes, receipt of the rest, closes
# max_pending_messages of the two shared producers, plus one sync send per churned producer
PENDING_BATCHING, PENDING_PLAIN = 2000, 500
IN_FLIGHT_PER_DROP = PENDING_BATCHING + PENDING_PLAIN + 1

pytestmark = [
    pytest.mark.stress,
    # the run, the drain, and the child's start and stop on a loaded machine
    pytest.mark.timeout(int(STRESS_SECONDS + DRAIN_SECONDS + 120)),
]

SCENARIO = """
import collections, os, random, threading, time, uuid
SECONDS = float(os.environ["STRESS_SECONDS"])
DRAIN = float(os.environ["STRESS_DRAIN_SECONDS"])
arm_watchdog(SECONDS + DRAIN + 30)
TOPIC = "persistent://public/default/stress-" + uuid.uuid4().hex[:8]
SUB = "shared"
SENDERS, CONSUMERS = 8, 4

client = pulsar.Client(SERVICE_URL, operation_timeout_seconds=30, io_threads=2,
                       message_listener_threads=2)
producers = [
    client.create_producer(TOPIC, batching_enabled=True, batching_max_publish_delay_ms=5,
                           block_if_queue_full=True,
                           max_pending_messages=int(os.environ["PENDING_BATCHING"])),
    client.create_producer(TOPIC, batching_enabled=False, block_if_queue_full=True,
                           max_pending_messages=int(os.environ["PENDING_PLAIN"])),
]

lock = threading.Lock()
sent_ok = {}                     # payload -> message id (str) of the Ok acknowledgment
send_failed = collections.Counter()
callbacks = collections.Counter()  # payload -> callback runs (send_async only)
accepted_async = set()
raised = collections.Counter()
received = collections.defaultdict(set)  # payload -> message ids it was received under
deliveries = [0]
errors = []
stop = threading.Event()


def note_error(where, exc):
    with lock:
        if len(errors) < 20:
            errors.append(dict(describe(exc), where=where))


def listener(consumer, msg):
    data = msg.data()
    key = str(msg.message_id())
    with lock:
        received[data].add(key)
        deliveries[0] += 1
    try:
        consumer.acknowledge(msg)
    except pulsar.AlreadyClosed:
        pass  # the churned consumer closed meanwhile: redelivered to another
    except Exception as exc:
        note_error("acknowledge", exc)


consumers = [client.subscribe(TOPIC, SUB, consumer_type=pulsar.ConsumerType.Shared,
                              message_listener=listener, receiver_queue_size=200,
                              consumer_name="main-%d" % i)
             for i in range(CONSUMERS)]


def on_sent(data):
    def callback(result, msg_id):
        with lock:
            callbacks[data] += 1
            if result == pulsar.Result.Ok:
                sent_ok[data] = str(msg_id)
            else:
                send_failed[str(result)] += 1
    return callback


def sender(n):
    seq = 0
    rng = random.Random(n)
    while not stop.is_set():
        producer = producers[rng.randrange(2)]
        for _ in range(10):
            data = b"s%d-%d" % (n, seq)
            seq += 1
            try:
                producer.send_async(data, on_sent(data))
            except Exception as exc:
                with lock:
                    raised[type(exc).__name__] += 1
                note_error("send_async", exc)
                continue
            with lock:
                accepted_async.add(data)
        data = b"s%d-%d" % (n, seq)
        seq += 1
        try:
            msg_id = producer.send(data)
        except Exception as exc:
            with lock:
                raised[type(exc).__name__] += 1
            note_error("send", exc)
        else:
            with lock:
                sent_ok[data] = str(msg_id)
        time.sleep(0.01)


churn_counts = collections.Counter()


def churn_producers():
    i = 0
    while not stop.is_set():
        try:
            p = client.create_producer(TOPIC, batching_enabled=bool(i % 2))
            for j in range(5):
                data = b"p%d-%d" % (i, j)
                msg_id = p.send(data)
                with lock:
                    sent_ok[data] = str(msg_id)
            p.close()
            churn_counts["producers"] += 1
        except Exception as exc:
            note_error("producer churn", exc)
        i += 1


def churn_consumers():
    i = 0
    while not stop.is_set():
        try:
            if i % 2:
                # On the shared subscription: what it does not acknowledge before it closes
                # goes to the other consumers.
                c = client.subscribe(TOPIC, SUB, consumer_type=pulsar.ConsumerType.Shared,
                                     message_listener=listener, receiver_queue_size=10,
                                     consumer_name="churn-%d" % i)
            else:
                c = client.subscribe(TOPIC, "own-%d" % i, message_listener=lambda c, m: None)
            time.sleep(0.2)
            c.close()
            churn_counts["consumers"] += 1
        except Exception as exc:
            note_error("consumer churn", exc)
        i += 1


threads = [threading.Thread(target=sender, args=(n,), name="sender-%d" % n, daemon=True)
           for n in range(SENDERS)]
threads += [threading.Thread(target=churn_producers, name="churn-producers", daemon=True),
            threading.Thread(target=churn_consumers, name="churn-consumers", daemon=True)]
started = time.monotonic()
for t in threads:
    t.start()
time.sleep(SECONDS)
stop.set()
stuck = []
for t in threads:
    t.join(max(1.0, DRAIN / 3))
    if t.is_alive():
        stuck.append(t.name)
flushed = [bounded(p.flush, "flush", DRAIN / 3)["outcome"] for p in producers]
run_seconds = time.monotonic() - started

deadline = time.monotonic() + DRAIN / 2
while time.monotonic() < deadline:
    with lock:
        missing = set(sent_ok) - set(received)
    if not missing:
        break
    time.sleep(0.2)
with lock:
    missing = sorted(set(sent_ok) - set(received))
    unknown = sorted(set(received) - set(sent_ok) - accepted_async)
    owed = sorted(d for d in accepted_async if callbacks[d] == 0)
    repeated = sorted(d for d, n in callbacks.items() if n > 1)
    by_two_ids = sorted(d for d, ids in received.items() if len(ids) > 1)
    unexpected_callbacks = sorted(set(callbacks) - accepted_async)
closed = bounded(client.close, "client.close", DRAIN / 3)
report("STRESS", seconds=round(run_seconds, 1), sent_ok=len(sent_ok),
       accepted_async=len(accepted_async), callbacks=sum(callbacks.values()),
       send_failed=dict(send_failed), raised=dict(raised), received=len(received),
       deliveries=deliveries[0], redeliveries=deliveries[0] - len(received),
       missing=len(missing), missing_sample=[m.decode() for m in missing[:5]],
       unknown=len(unknown), owed=len(owed), repeated=len(repeated),
       unexpected_callbacks=len(unexpected_callbacks),
       by_two_ids=len(by_two_ids), by_two_ids_sample=[d.decode() for d in by_two_ids[:5]],
       errors=errors, stuck=stuck, flushed=flushed, closed=closed["outcome"],
       churn=dict(churn_counts))
"""


@pytest.fixture(scope="module")
def stress_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulsarLite]:
    broker = start_pulsar_lite(tmp_path_factory.mktemp("stress-broker"), PulsarLite)
    try:
        yield broker
    finally:
        broker.stop()


def broker_dropped_connections(broker: PulsarLite) -> list[str]:
    """The lines where pulsar-lite closed a client's connection itself (any reason but the
    client's own close), read from its log."""
    dropped = []
    with open(broker.log_path, "rb") as log:
        for line in log:
            if b"Closing connection" in line and b"client closed connection" not in line:
                dropped.append(line.decode(errors="replace").strip())
    return dropped


def test_stress_shared_producers_listeners_and_churn(stress_broker, tmp_path):
    run = run_guarded(
        tmp_path,
        SCENARIO,
        service_url=stress_broker.service_url,
        timeout=STRESS_SECONDS + DRAIN_SECONDS + 60,
        env={
            "STRESS_SECONDS": str(STRESS_SECONDS),
            "STRESS_DRAIN_SECONDS": str(DRAIN_SECONDS),
            "PENDING_BATCHING": str(PENDING_BATCHING),
            "PENDING_PLAIN": str(PENDING_PLAIN),
        },
    )
    run.assert_clean_exit()
    facts = run.facts("STRESS")
    print("stress figures:", facts)  # shown with -s, and kept in the report on failure
    context = f"\n{facts}\n{run.tail()}"
    assert not facts["stuck"], f"threads that did not end: {facts['stuck']}{context}"
    assert facts["flushed"] == ["returned", "returned"], context
    dropped = broker_dropped_connections(stress_broker)
    print("connections the broker dropped:", dropped)
    # A create, subscribe or close on the connection the broker dropped fails Disconnected;
    # any other failure, or any failure without a drop, is the client's.
    unexplained = [e for e in facts["errors"] if not (dropped and e["type"] == "Disconnected")]
    assert not unexplained, f"operations that failed: {unexplained}{context}"
    assert facts["closed"] == "returned", context
    assert facts["raised"] == {}, context
    assert facts["send_failed"] == {}, context
    assert facts["owed"] == 0, f"send_async callbacks never run{context}"
    assert facts["repeated"] == 0, f"send_async callbacks run twice{context}"
    assert facts["unexpected_callbacks"] == 0, context
    assert facts["callbacks"] == facts["accepted_async"], context
    assert facts["missing"] == 0, f"sends acknowledged Ok but never received{context}"
    assert facts["unknown"] == 0, f"received what was never sent{context}"
    if not dropped:
        assert facts["by_two_ids"] == 0, f"one send stored twice (two message ids){context}"
    else:
        # resent after the broker's drop, stored twice without dedup: bounded, not zero
        assert facts["by_two_ids"] <= IN_FLIGHT_PER_DROP * len(dropped), (
            f"more sends stored twice than were in flight at the drops {dropped}{context}"
        )
    assert facts["churn"].get("producers", 0) > 0, context
    assert facts["churn"].get("consumers", 0) > 0, context
    assert facts["sent_ok"] > 1000, f"too little traffic to call it a stress run{context}"
