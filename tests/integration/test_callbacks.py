"""send_async callbacks (deliberate differences from the official client):

* every callback runs exactly once, with (pulsar.Result, pulsar.MessageId);
* on a Python thread other than libpulsar's, with the GIL held;
* when flush() returns, the callbacks of all earlier sends on that producer have run;
* a raising callback is reported through sys.unraisablehook and nothing else is affected
  (the official client aborts the process);
* a callback may call send / send_async / flush on the same producer.
"""

import contextlib
import sys
import threading

import pytest
from support.children import assert_child_ok, run_child
from support.messages import receive_unique
from support.waiting import wait_until

import pulsar


class Recorder:
    def __init__(self, n):
        self.lock = threading.Lock()
        self.calls = [0] * n
        self.results = [None] * n
        self.ids = [None] * n
        self.threads = set()

    def callback_for(self, i):
        def cb(res, msg_id):
            with self.lock:
                self.calls[i] += 1
                self.results[i] = res
                self.ids[i] = msg_id
                self.threads.add(threading.current_thread())

        return cb


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_every_callback_runs_exactly_once(client, topic, batching):
    n = 5000
    producer = client.create_producer(topic, batching_enabled=batching, max_pending_messages=n + 10)
    rec = Recorder(n)
    for i in range(n):
        producer.send_async(b"%d" % i, rec.callback_for(i))
    producer.flush()
    # No sleep: flush() guarantees the callbacks of earlier sends have run.
    assert rec.calls == [1] * n
    assert all(r == pulsar.Result.Ok for r in rec.results)
    assert all(isinstance(r, pulsar.Result) for r in rec.results)
    assert all(isinstance(m, pulsar.MessageId) for m in rec.ids)
    assert len(set(rec.ids)) == n
    # Still exactly once a little later (nothing runs twice).
    producer.send(b"barrier")
    producer.flush()
    assert rec.calls == [1] * n


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_flush_waits_for_callbacks(client, topic, batching):
    # With batching, the messages sit in the batch (60 s publish delay) until flush().
    producer = client.create_producer(
        topic,
        batching_enabled=batching,
        batching_max_publish_delay_ms=60000,
        batching_max_messages=10000,
    )
    for round_ in range(3):
        rec = Recorder(200)
        for i in range(200):
            producer.send_async(b"%d-%d" % (round_, i), rec.callback_for(i))
        producer.flush()
        assert rec.calls == [1] * 200, f"round {round_}"
        assert all(r == pulsar.Result.Ok for r in rec.results)


def test_callback_thread(client, topic):
    producer = client.create_producer(topic)
    rec = Recorder(50)
    for i in range(50):
        producer.send_async(b"%d" % i, rec.callback_for(i))
    producer.flush()
    assert rec.calls == [1] * 50
    caller = threading.current_thread()
    assert caller not in rec.threads, "callbacks must not run on the thread calling send_async"
    for thread in rec.threads:
        # A thread created by libpulsar and only registered on the fly shows up as a
        # threading._DummyThread; the callbacks must run on a proper Python thread.
        assert not isinstance(thread, threading._DummyThread), thread
        assert thread.ident is not None


def test_callback_holds_the_gil_and_can_use_python(client, topic):
    producer = client.create_producer(topic)
    out = []

    def cb(res, msg_id):
        # Pure-Python work that needs the interpreter: allocation, imports, formatting.
        import json

        out.append(json.dumps({"res": int(res), "id": str(msg_id), "big": list(range(1000))}))

    for _i in range(20):
        producer.send_async(b"x", cb)
    producer.flush()
    assert len(out) == 20


def test_raising_callback_goes_to_unraisablehook(client, topic, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable))
    producer = client.create_producer(topic)
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    after = []

    def bad(res, msg_id):
        raise RuntimeError("boom from callback")

    producer.send_async(b"first", bad)
    for i in range(10):
        producer.send_async(b"later-%d" % i, lambda res, msg_id: after.append(res))
    producer.flush()
    assert wait_until(lambda: len(seen) >= 1, timeout=30), "sys.unraisablehook was not called"
    assert len(seen) == 1
    exc = seen[0].exc_value
    assert isinstance(exc, RuntimeError)
    assert "boom from callback" in str(exc)
    assert after == [pulsar.Result.Ok] * 10
    # The producer and the process go on.
    assert isinstance(producer.send(b"still works"), pulsar.MessageId)
    got = [m.data() for m in receive_unique(consumer, 12)]
    assert got == [b"first"] + [b"later-%d" % i for i in range(10)] + [b"still works"]


def test_callback_raising_base_exception_subclass(client, topic, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable))
    producer = client.create_producer(topic)

    class Custom(Exception):
        pass

    def bad(res, msg_id):
        raise Custom("custom")

    for _ in range(3):
        producer.send_async(b"x", bad)
    producer.flush()
    assert wait_until(lambda: len(seen) >= 3, timeout=30)
    assert all(isinstance(u.exc_value, Custom) for u in seen)


def test_callback_with_wrong_signature_is_reported(client, topic, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable))
    producer = client.create_producer(topic)
    producer.send_async(b"x", lambda only_one_argument: None)
    producer.flush()
    assert wait_until(lambda: len(seen) >= 1, timeout=30)
    assert isinstance(seen[0].exc_value, TypeError)
    assert isinstance(producer.send(b"after"), pulsar.MessageId)


@pytest.mark.parametrize("closer", ["producer.close", "client.close", "context-manager"])
def test_close_runs_every_pending_callback_once(broker, topic, closer):
    client = pulsar.Client(broker.service_url)
    try:
        rec = Recorder(300)
        producer = client.create_producer(
            topic,
            batching_enabled=True,
            batching_max_publish_delay_ms=60000,
            batching_max_messages=100000,
            max_pending_messages=1000,
        )
        if closer == "context-manager":
            with producer:
                for i in range(300):
                    producer.send_async(b"%d" % i, rec.callback_for(i))
        else:
            for i in range(300):
                producer.send_async(b"%d" % i, rec.callback_for(i))
            if closer == "producer.close":
                producer.close()
            else:
                client.close()
        assert wait_until(lambda: sum(rec.calls) >= 300, timeout=30), sum(rec.calls)
        assert rec.calls == [1] * 300
        assert all(isinstance(r, pulsar.Result) for r in rec.results)
    finally:
        with contextlib.suppress(pulsar.AlreadyClosed):
            client.close()


def test_callback_may_send_and_flush_on_same_producer(tmp_path, broker, topic):
    # In a child process: a deadlock must fail this test, not hang the run.
    proc = run_child(
        tmp_path,
        f"""
        import threading
        client = pulsar.Client(SERVICE_URL)
        producer = client.create_producer({topic!r}, batching_enabled=True,
                                          batching_max_publish_delay_ms=5)
        done = threading.Event()
        log = []
        def inner(res, msg_id):
            log.append(("inner", res))
        def outer(res, msg_id):
            log.append(("outer", res))
            mid = producer.send(b"sync-from-callback")
            log.append(("sync", type(mid).__name__))
            producer.send_async(b"async-from-callback", inner)
            producer.flush()
            log.append(("flushed", None))
            done.set()
        producer.send_async(b"first", outer)
        assert done.wait(60), log
        producer.flush()
        assert ("outer", pulsar.Result.Ok) in log, log
        assert ("sync", "MessageId") in log, log
        assert ("inner", pulsar.Result.Ok) in log, log
        assert ("flushed", None) in log, log
        consumer = client.subscribe({topic!r}, "s", initial_position=pulsar.InitialPosition.Earliest)
        got = set()
        while len(got) < 3:
            got.add(consumer.receive(15000).data())
        assert got == {{b"first", b"sync-from-callback", b"async-from-callback"}}, got
        client.close()
        print("CHILD-DONE")
        """,
        service_url=broker.service_url,
        timeout=90,
    )
    assert_child_ok(proc)


def test_callback_receives_result_members(client, topic):
    producer = client.create_producer(topic)
    seen = []
    producer.send_async(b"x", lambda result, msg_id: seen.append(result))
    producer.flush()
    assert seen == [pulsar.Result.Ok]
    assert seen[0] is pulsar.Result.Ok
