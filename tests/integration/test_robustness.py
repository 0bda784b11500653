"""No input may crash the interpreter, and bad input raises the error it should.

Each probe runs in its own child process (support.probes): a segfault or an abort shows up
as a negative return code and fails the probe instead of killing pytest, and every
``attempt`` names what its call must do (return, or raise exactly that exception class).
The probes that need no broker: tests/unit/test_robustness.py.
"""

import pytest
from support.probes import run_probe

PROBES = {
    "client-bad-arguments": """
        for kwargs, expect in [
            (dict(io_threads=0), ValueError),
            (dict(io_threads=-1), ValueError),
            (dict(message_listener_threads=0), ValueError),
            (dict(concurrent_lookup_requests=-5), ValueError),
            (dict(connection_timeout_ms=-1), ValueError),
            (dict(stats_interval_in_seconds=-1), ValueError),
            (dict(operation_timeout_seconds=2**40), ValueError),
            (dict(log_conf_file_path="/nonexistent/log.conf"), OK),
            (dict(use_tls=True, tls_trust_certs_file_path="/nonexistent/ca.pem"), OK),
        ]:
            def make(kwargs=kwargs):
                c = pulsar.Client(SERVICE_URL, **kwargs)
                c.close()
            attempt(repr(kwargs), make, expect)
        # A client connects lazily: a URL that parses is accepted until it is used.
        for url, expect in [
            ("pulsar://[::1", ValueError),
            ("pulsar://host:notaport", ValueError),
            ("pulsar://h:99999999", ValueError),
            ("pulsar+ssl://", ValueError),
            ("pulsar://" + "a" * 100000, OK),
            ("pulsar://\\x00", OK),
            ("\\u2603://x", ValueError),
        ]:
            attempt(url[:30], lambda: pulsar.Client(url).close(), expect)
    """,
    "producer-bad-arguments": """
        client = pulsar.Client(SERVICE_URL)
        t = topic()
        for kwargs, expect in [
            (dict(max_pending_messages=0), OK),
            (dict(max_pending_messages=-1), ValueError),
            (dict(batching_max_messages=0), ValueError),
            (dict(batching_max_allowed_size_in_bytes=0), ValueError),
            (dict(batching_max_publish_delay_ms=-1), ValueError),
            (dict(producer_name=""), OK),
            (dict(producer_name="x" * 10000), OK),
            (dict(initial_sequence_id=-5), ValueError),
            (dict(initial_sequence_id=2**63), ValueError),
            (dict(properties={"k" * 1000: "v" * 100000}), OK),
            (dict(encryption_key="key-without-reader"), OK),
        ]:
            attempt(repr(kwargs)[:60], lambda: client.create_producer(t, **kwargs).close(),
                    expect, broker_decides=expect is OK)
        for bad_topic, expect in [
            ("", pulsar.InvalidTopicName),
            ("/", pulsar.InvalidTopicName),
            ("persistent://", pulsar.InvalidTopicName),
            ("persistent://a/b/c/d/e", OK),
            ("x" * 100000, OK),
            ("persistent://public/default/\\x00", OK),
            ("non-persistent://public/default/np", OK),
        ]:
            attempt(bad_topic[:30], lambda: client.create_producer(bad_topic).close(), expect,
                    broker_decides=expect is OK)
        client.close()
    """,
    "send-odd-values": """
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer(topic())
        cases = [
            (dict(sequence_id=2**63), ValueError),
            (dict(sequence_id=2**64), ValueError),
            (dict(sequence_id=2**63 - 1), OK),
            (dict(event_timestamp=2**64), ValueError),
            (dict(event_timestamp=2**63 - 1), OK),
            (dict(deliver_at=2**64), ValueError),
            (dict(deliver_after=datetime.timedelta(days=10**6)), OK),
            (dict(deliver_after=datetime.timedelta.max), OK),
            (dict(partition_key="a\\x00b"), OK),
            (dict(partition_key="\\ud800"), pulsar.InvalidArgumentType),
            (dict(properties={"\\ud800": "x"}), pulsar.InvalidArgumentType),
            (dict(properties={"k": "\\udfff"}), pulsar.InvalidArgumentType),
            (dict(properties={"": ""}), OK),
            (dict(properties={str(i): str(i) for i in range(2000)}), OK),
            (dict(replication_clusters=[]), OK),
            (dict(replication_clusters=["a"] * 1000), OK),
            (dict(ordering_key="o" * 100000), OK),
        ]
        for kwargs, expect in cases:
            attempt(repr(kwargs)[:60], lambda: p.send(b"x", **kwargs), expect,
                    broker_decides=expect is OK)
        # Over the broker's maximum message size (5 MiB on pulsar-lite).
        attempt("6MiB", lambda: p.send(b"x" * (6 * 1024 * 1024)), pulsar.MessageTooBig,
                broker_decides=True)
        client.close()
    """,
    "released-and-exotic-buffers": """
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer(topic())
        m = memoryview(bytearray(b"abc"))
        m.release()
        attempt("released", lambda: p.send(m), ValueError)
        import array
        attempt("array-u", lambda: p.send(array.array("u", "hello")), OK)
        attempt("strided", lambda: p.send(memoryview(b"abcdef")[::2]), ValueError)
        attempt("0d", lambda: p.send(memoryview(b"a").cast("B", ())), OK)
        class Weird:
            def __buffer__(self, flags):
                raise RuntimeError("no buffer for you")
        # From Python 3.12 (PEP 688) a class with __buffer__ is a buffer exporter: its own
        # error comes through; before, it is no buffer at all.
        weird_error = RuntimeError if sys.version_info >= (3, 12) else pulsar.InvalidArgumentType
        attempt("weird", lambda: p.send(Weird()), weird_error)
        client.close()
    """,
    "use-after-close": """
        client = pulsar.Client(SERVICE_URL)
        t = topic()
        p = client.create_producer(t)
        c = client.subscribe(t, "s")
        client.close()
        closed = pulsar.AlreadyClosed
        attempt("send", lambda: p.send(b"x"), closed)
        # As in pulsar-client 3.13: nothing raised, the callback gets AlreadyClosed.
        attempt("send_async", lambda: p.send_async(b"x", lambda r, m: None), OK)
        attempt("flush", p.flush, closed)
        attempt("close-p", p.close, closed)
        attempt("last_seq", p.last_sequence_id, OK)
        attempt("name", p.producer_name, OK)
        attempt("receive", lambda: c.receive(100), closed)
        attempt("ack", lambda: c.acknowledge(pulsar.MessageId(-1, 1, 1, -1)), closed)
        # Quiet after the client's close, as in pulsar-client 3.13.
        attempt("nack", lambda: c.negative_acknowledge(pulsar.MessageId(-1, 1, 1, -1)), OK)
        attempt("unsubscribe", c.unsubscribe, closed)
        attempt("close-c", c.close, OK)
        attempt("close-c-again", c.close, OK)
        attempt("client-close-again", client.close, closed)
        attempt("client-shutdown", client.shutdown, OK)
        attempt("create", lambda: client.create_producer(t), closed)
        attempt("partitions", lambda: client.get_topic_partitions(t), closed)
    """,
    "consumer-bad-acks": """
        client = pulsar.Client(SERVICE_URL)
        t = topic()
        c = client.subscribe(t, "s", initial_position=pulsar.InitialPosition.Earliest)
        p = client.create_producer(t)
        p.send(b"x")
        msg = c.receive(15000)
        for bad in [None, 5, "id", b"\\x00", object()]:
            for what, call in [("ack", c.acknowledge), ("ack-cum", c.acknowledge_cumulative),
                               ("nack", c.negative_acknowledge)]:
                attempt("%s %r" % (what, bad), lambda: call(bad), pulsar.InvalidArgumentType)
        # Ids the broker never gave: acknowledgements are sent without an answer.
        for unknown in [pulsar.MessageId(), pulsar.MessageId.latest,
                        pulsar.MessageId(-1, 999999, 999999, -1), pulsar.MessageId(7, 1, 1, 3)]:
            for what, call in [("ack", c.acknowledge), ("ack-cum", c.acknowledge_cumulative),
                               ("nack", c.negative_acknowledge)]:
                attempt("%s %r" % (what, unknown), lambda: call(unknown), OK)
        attempt("ack twice 1", lambda: c.acknowledge(msg), OK)
        attempt("ack twice 2", lambda: c.acknowledge(msg), OK)
        c.close()
        attempt("ack after close", lambda: c.acknowledge(msg), pulsar.AlreadyClosed)
        attempt("message after close",
                lambda: (msg.data(), msg.properties(), str(msg.message_id())), OK)
        client.close()
        attempt("message after client close", lambda: (msg.data(), msg.topic_name()), OK)
    """,
    "subscribe-bad-arguments": """
        client = pulsar.Client(SERVICE_URL)
        for target, expect in [
            ([], pulsar.InvalidArgumentType),
            ([""], pulsar.InvalidTopicName),
            (["a", 1], pulsar.InvalidArgumentType),
            ([topic()] * 3, OK),
            ("", pulsar.InvalidTopicName),
            ("x" * 100000, OK),
        ]:
            attempt(repr(target)[:40], lambda: client.subscribe(target, "s").close(), expect,
                    broker_decides=expect is OK)
        for kwargs, expect in [
            (dict(receiver_queue_size=0), OK),
            (dict(receiver_queue_size=-1), ValueError),
            (dict(negative_ack_redelivery_delay_ms=-1), ValueError),
            (dict(consumer_name=""), OK),
            (dict(properties={"a" * 10000: "b"}), OK),
        ]:
            attempt(repr(kwargs)[:40], lambda: client.subscribe(topic(), "s", **kwargs).close(),
                    expect, broker_decides=expect is OK)
        attempt("empty-subscription", lambda: client.subscribe(topic(), "").close(), OK,
                broker_decides=True)
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
        # As in pulsar-client, a producer keeps its client alive: dropping the Client object
        # without close() leaves the producer working (issue 14, case 3).
        attempt("producer outlives client object", lambda: p.send(b"x"), OK)
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
        # A sender either saw the stop flag or got AlreadyClosed: no other error.
        assert all(outcome == "closed" for outcome in outcomes), outcomes
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
                outcome.append(type(exc))
        th = threading.Thread(target=receiver)
        th.start()
        time.sleep(0.5)
        client.close()
        th.join(30)
        assert not th.is_alive(), "receive() still blocked after client.close()"
        print("outcome", outcome)
        assert outcome == [pulsar.AlreadyClosed], outcome
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
        # A failing supplier is reported (unraisablehook) and fails the connection with
        # AuthenticationError at once, as in pulsar-client 3.13.
        failed = pulsar.AuthenticationError
        for label, supplier, expect in [("raises", lambda: 1 / 0, failed),
                                        ("none", lambda: None, failed),
                                        ("int", lambda: 5, failed),
                                        ("huge", lambda: "x" * 100000, OK)]:
            def run(supplier=supplier, expect=expect):
                client = pulsar.Client(SERVICE_URL, operation_timeout_seconds=5,
                                       authentication=pulsar.AuthenticationToken(supplier))
                try:
                    client.create_producer(topic()).send(b"x")
                finally:
                    client.close()
            attempt("supplier " + label, run, expect, broker_decides=expect is OK)
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
def test_probe_does_not_crash_and_raises_the_expected_errors(tmp_path, broker, name):
    run_probe(tmp_path, PROBES[name], service_url=broker.service_url, broker_kind=broker.kind)
