"""No input may crash the interpreter.

Each probe runs in its own child process, so a segfault or abort shows up as a negative
return code and fails the probe instead of killing pytest.  A probe may raise any ordinary
exception for bad input (it is caught and printed); what it must not do is crash or hang.
"""

import textwrap

import pytest
from support.children import assert_child_ok, run_child

# Helper available to every probe: run a callable, print what it raised (if anything).
PROBE_PRELUDE = """
import gc, threading, time, uuid, datetime
def topic(prefix="probe"):
    return "persistent://public/default/%s-%s" % (prefix, uuid.uuid4().hex[:8])
def attempt(label, fn):
    try:
        result = fn()
    except Exception as exc:
        print("%s -> %s: %s" % (label, type(exc).__name__, exc))
    else:
        print("%s -> ok %r" % (label, result))
"""

PROBES = {
    "message-id-extreme-values": """
        for args in [(2**70, 0, 0, 0), (0, -2**70, 0, 0), (0, 0, 2**64, 0), (0.5, 1, 2, 3),
                     ("a", 1, 2, 3), (None, None, None, None)]:
            attempt(repr(args), lambda: str(pulsar.MessageId(*args)))
    """,
    "message-id-deserialize-junk": """
        for junk in [None, "", "text", 5, b"", b"\\x00" * 1000, bytes(range(256)), bytearray(b"\\x08\\x01"),
                     b"\\x08\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x01" * 50]:
            attempt(repr(junk)[:30], lambda: str(pulsar.MessageId.deserialize(junk)))
    """,
    "message-id-comparisons-with-other-types": """
        m = pulsar.MessageId(1, 2, 3, 4)
        for other in [None, 3, "x", object(), b"\\x00"]:
            attempt("eq", lambda: m == other)
            attempt("ne", lambda: m != other)
            attempt("lt", lambda: m < other)
            attempt("ge", lambda: m >= other)
        attempt("wrap-none", lambda: pulsar.MessageId.wrap(None))
        attempt("wrap-int", lambda: pulsar.MessageId.wrap(5))
    """,
    "client-bad-arguments": """
        for kwargs in [dict(io_threads=0), dict(io_threads=-1), dict(message_listener_threads=0),
                       dict(concurrent_lookup_requests=-5), dict(connection_timeout_ms=-1),
                       dict(stats_interval_in_seconds=-1), dict(operation_timeout_seconds=2**40),
                       dict(log_conf_file_path="/nonexistent/log.conf"),
                       dict(use_tls=True, tls_trust_certs_file_path="/nonexistent/ca.pem")]:
            def make(kwargs=kwargs):
                c = pulsar.Client(SERVICE_URL, **kwargs)
                c.close()
            attempt(repr(kwargs), make)
        for url in ["pulsar://[::1", "pulsar://host:notaport", "pulsar://h:99999999", "pulsar+ssl://",
                    "pulsar://" + "a" * 100000, "pulsar://\\x00", "\\u2603://x"]:
            attempt(url[:30], lambda: pulsar.Client(url).close())
    """,
    "producer-bad-arguments": """
        client = pulsar.Client(SERVICE_URL)
        t = topic()
        for kwargs in [dict(max_pending_messages=0), dict(max_pending_messages=-1),
                       dict(batching_max_messages=0), dict(batching_max_allowed_size_in_bytes=0),
                       dict(batching_max_publish_delay_ms=-1), dict(producer_name=""),
                       dict(producer_name="x" * 10000), dict(initial_sequence_id=-5),
                       dict(initial_sequence_id=2**63), dict(properties={"k" * 1000: "v" * 100000}),
                       dict(encryption_key="key-without-reader")]:
            attempt(repr(kwargs)[:60], lambda: client.create_producer(t, **kwargs).close())
        for bad_topic in ["", "/", "persistent://", "persistent://a/b/c/d/e", "x" * 100000,
                          "persistent://public/default/\\x00", "non-persistent://public/default/np"]:
            attempt(bad_topic[:30], lambda: client.create_producer(bad_topic).close())
        client.close()
    """,
    "send-odd-values": """
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer(topic())
        cases = [dict(sequence_id=2**63), dict(sequence_id=2**64), dict(sequence_id=2**63 - 1),
                 dict(event_timestamp=2**64), dict(event_timestamp=2**63 - 1), dict(deliver_at=2**64),
                 dict(deliver_after=datetime.timedelta(days=10**6)),
                 dict(deliver_after=datetime.timedelta.max), dict(partition_key="a\\x00b"),
                 dict(partition_key="\\ud800"), dict(properties={"\\ud800": "x"}),
                 dict(properties={"k": "\\udfff"}), dict(properties={"": ""}),
                 dict(properties={str(i): str(i) for i in range(2000)}),
                 dict(replication_clusters=[]), dict(replication_clusters=["a"] * 1000),
                 dict(ordering_key="o" * 100000)]
        for kwargs in cases:
            attempt(repr(kwargs)[:60], lambda: p.send(b"x", **kwargs))
        attempt("6MiB", lambda: p.send(b"x" * (6 * 1024 * 1024)))
        client.close()
    """,
    "released-and-exotic-buffers": """
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer(topic())
        m = memoryview(bytearray(b"abc"))
        m.release()
        attempt("released", lambda: p.send(m))
        import array
        attempt("array-u", lambda: p.send(array.array("u", "hello")))
        attempt("strided", lambda: p.send(memoryview(b"abcdef")[::2]))
        attempt("0d", lambda: p.send(memoryview(b"a").cast("B", ())))
        class Weird:
            def __buffer__(self, flags):
                raise RuntimeError("no buffer for you")
        attempt("weird", lambda: p.send(Weird()))
        client.close()
    """,
    "use-after-close": """
        client = pulsar.Client(SERVICE_URL)
        t = topic()
        p = client.create_producer(t)
        c = client.subscribe(t, "s")
        client.close()
        attempt("send", lambda: p.send(b"x"))
        attempt("send_async", lambda: p.send_async(b"x", lambda r, m: None))
        attempt("flush", p.flush)
        attempt("close-p", p.close)
        attempt("last_seq", p.last_sequence_id)
        attempt("name", p.producer_name)
        attempt("receive", lambda: c.receive(100))
        attempt("ack", lambda: c.acknowledge(pulsar.MessageId(-1, 1, 1, -1)))
        attempt("nack", lambda: c.negative_acknowledge(pulsar.MessageId(-1, 1, 1, -1)))
        attempt("unsubscribe", c.unsubscribe)
        attempt("close-c", c.close)
        attempt("close-c-again", c.close)
        attempt("client-close-again", client.close)
        attempt("client-shutdown", client.shutdown)
        attempt("create", lambda: client.create_producer(t))
        attempt("partitions", lambda: client.get_topic_partitions(t))
    """,
    "consumer-bad-acks": """
        client = pulsar.Client(SERVICE_URL)
        t = topic()
        c = client.subscribe(t, "s", initial_position=pulsar.InitialPosition.Earliest)
        p = client.create_producer(t)
        p.send(b"x")
        msg = c.receive(15000)
        for bad in [None, 5, "id", b"\\x00", object(), pulsar.MessageId(), pulsar.MessageId.latest,
                    pulsar.MessageId(-1, 999999, 999999, -1), pulsar.MessageId(7, 1, 1, 3)]:
            attempt("ack %r" % (bad,), lambda: c.acknowledge(bad))
            attempt("ack-cum %r" % (bad,), lambda: c.acknowledge_cumulative(bad))
            attempt("nack %r" % (bad,), lambda: c.negative_acknowledge(bad))
        attempt("ack twice 1", lambda: c.acknowledge(msg))
        attempt("ack twice 2", lambda: c.acknowledge(msg))
        c.close()
        attempt("ack after close", lambda: c.acknowledge(msg))
        attempt("message after close", lambda: (msg.data(), msg.properties(), str(msg.message_id())))
        client.close()
        attempt("message after client close", lambda: (msg.data(), msg.topic_name()))
    """,
    "subscribe-bad-arguments": """
        client = pulsar.Client(SERVICE_URL)
        for target in [[], [""], ["a", 1], [topic()] * 3, "", "x" * 100000]:
            attempt(repr(target)[:40], lambda: client.subscribe(target, "s").close())
        for kwargs in [dict(receiver_queue_size=0), dict(receiver_queue_size=-1),
                       dict(negative_ack_redelivery_delay_ms=-1), dict(consumer_name=""),
                       dict(properties={"a" * 10000: "b"})]:
            attempt(repr(kwargs)[:40], lambda: client.subscribe(topic(), "s", **kwargs).close())
        attempt("empty-subscription", lambda: client.subscribe(topic(), "").close())
        client.close()
    """,
    "garbage-collection-without-close": """
        t = topic()
        for _ in range(20):
            c = pulsar.Client(SERVICE_URL)
            p = c.create_producer(t)
            p.send_async(b"x", lambda r, m: None)
            s = c.subscribe(t, "s-%s" % uuid.uuid4().hex[:6])
            del c, p, s
            gc.collect()
        c = pulsar.Client(SERVICE_URL)
        p = c.create_producer(t)
        del c
        gc.collect()
        attempt("producer outlives client object", lambda: p.send(b"x"))
        del p
        gc.collect()
    """,
    "close-while-other-threads-send": """
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer(topic(), batching_enabled=True)
        stop = threading.Event()
        outcomes = []
        def sender():
            while not stop.is_set():
                try:
                    p.send_async(b"x", lambda r, m: None)
                    p.send(b"y")
                except pulsar.AlreadyClosed:
                    outcomes.append("closed")
                    return
                except Exception as exc:
                    outcomes.append(repr(exc))
                    return
        threads = [threading.Thread(target=sender) for _ in range(4)]
        for th in threads:
            th.start()
        time.sleep(0.5)
        p.close()
        stop.set()
        for th in threads:
            th.join(30)
        assert not any(th.is_alive() for th in threads), "sender stuck after close"
        print("outcomes", outcomes)
        client.close()
    """,
    "client-close-while-receiving": """
        client = pulsar.Client(SERVICE_URL)
        c = client.subscribe(topic(), "s")
        outcome = []
        def receiver():
            try:
                c.receive()
            except Exception as exc:
                outcome.append(type(exc).__name__)
        th = threading.Thread(target=receiver)
        th.start()
        time.sleep(0.5)
        client.close()
        th.join(30)
        assert not th.is_alive(), "receive() still blocked after client.close()"
        print("outcome", outcome)
    """,
    "exit-with-pending-send-async-callbacks": """
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer(topic(), batching_enabled=True,
                                   batching_max_publish_delay_ms=500)
        for i in range(1000):
            p.send_async(b"x", lambda r, m: None)
        # No flush, no close: the interpreter exits with callbacks still pending.
    """,
    "exit-with-daemon-thread-in-receive": """
        client = pulsar.Client(SERVICE_URL)
        c = client.subscribe(topic(), "s")
        threading.Thread(target=c.receive, daemon=True).start()
        time.sleep(0.3)
        # The interpreter exits while a daemon thread is blocked in receive().
    """,
    "exit-without-closing-anything": """
        client = pulsar.Client(SERVICE_URL)
        t = topic()
        p = client.create_producer(t)
        c = client.subscribe(t, "s", initial_position=pulsar.InitialPosition.Earliest)
        p.send(b"x")
        msg = c.receive(15000)
    """,
    "callback-keeps-references": """
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer(topic())
        class Holder:
            def __init__(self):
                self.producer = p
                self.client = client
            def __call__(self, r, m):
                self.result = r
        for _ in range(100):
            p.send_async(b"x", Holder())
        p.flush()
        del p
        gc.collect()
        client.close()
    """,
    "logger-that-raises": """
        import logging
        class Bad(logging.Handler):
            def emit(self, record):
                raise RuntimeError("handler failure")
        log = logging.getLogger("probe-bad-logger")
        log.addHandler(Bad())
        log.setLevel(logging.DEBUG)
        log.propagate = False
        sys.unraisablehook = lambda u: None
        logging.raiseExceptions = False
        client = pulsar.Client(SERVICE_URL, logger=log)
        p = client.create_producer(topic())
        p.send(b"x")
        client.close()
    """,
    "token-supplier-that-raises-or-returns-junk": """
        sys.unraisablehook = lambda u: None
        for supplier in [lambda: 1 / 0, lambda: None, lambda: 5, lambda: "x" * 100000]:
            def run(supplier=supplier):
                client = pulsar.Client(SERVICE_URL, operation_timeout_seconds=5,
                                       authentication=pulsar.AuthenticationToken(supplier))
                try:
                    client.create_producer(topic()).send(b"x")
                finally:
                    client.close()
            attempt("supplier", run)
    """,
    "many-clients-threads": """
        errors = []
        def worker():
            try:
                with pulsar.Client(SERVICE_URL) as client:
                    p = client.create_producer(topic("mt"))
                    for i in range(20):
                        p.send(b"%d" % i)
            except Exception as exc:
                errors.append(exc)
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        assert not errors, errors
    """,
}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_probe_does_not_crash(tmp_path, broker, name):
    code = PROBE_PRELUDE + textwrap.dedent(PROBES[name]) + '\nprint("CHILD-DONE", flush=True)\n'
    proc = run_child(tmp_path, code, service_url=broker.service_url, timeout=100)
    assert_child_ok(proc)
