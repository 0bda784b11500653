"""libpulsar's log lines go to Python logging:

* ``Client(logger=<logging.Logger>)``: that logger receives them;
* without a logger, lines at INFO and above go to the logger named "pulsar" and nothing is
  printed on stdout (the official client prints them on stdout).
"""

import logging
import threading

import pytest
from support.children import assert_child_ok, run_child
from support.waiting import wait_until

import pulsar


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []
        self._lock_records = threading.Lock()

    def emit(self, record):
        with self._lock_records:
            self.records.append(record)

    def snapshot(self):
        with self._lock_records:
            return list(self.records)


@pytest.fixture
def pulsar_logger_handler():
    log = logging.getLogger("pulsar")
    handler = ListHandler()
    old_level = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)


def _mentions(records, text):
    return [r for r in records if text in r.getMessage()]


def test_custom_logger_receives_libpulsar_lines(broker, topic):
    log = logging.getLogger(f"fastpulsar-test-{topic.rsplit('/', 1)[1]}")
    handler = ListHandler()
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        client = pulsar.Client(broker.service_url, logger=log)
        try:
            client.create_producer(topic).send(b"x")
        finally:
            client.close()
        assert wait_until(lambda: _mentions(handler.snapshot(), topic), timeout=15), [
            r.getMessage() for r in handler.snapshot()
        ]
        records = handler.snapshot()
        assert all(r.name == log.name or r.name.startswith(log.name + ".") for r in records)
        assert any(r.levelno == logging.INFO for r in _mentions(records, topic))
    finally:
        log.removeHandler(handler)


def test_custom_logger_level_filters(broker, topic):
    log = logging.getLogger(f"fastpulsar-test-warn-{topic.rsplit('/', 1)[1]}")
    handler = ListHandler()
    log.addHandler(handler)
    log.setLevel(logging.WARNING)
    log.propagate = False
    try:
        client = pulsar.Client(broker.service_url, logger=log)
        try:
            client.create_producer(topic).send(b"x")
        finally:
            client.close()
        assert all(r.levelno >= logging.WARNING for r in handler.snapshot())
    finally:
        log.removeHandler(handler)


def test_default_logging_goes_to_pulsar_logger_not_stdout(
    broker, topic, pulsar_logger_handler, capfd
):
    client = pulsar.Client(broker.service_url)
    try:
        client.create_producer(topic).send(b"x")
    finally:
        client.close()
    assert wait_until(lambda: _mentions(pulsar_logger_handler.snapshot(), topic), timeout=15), (
        "no libpulsar line mentioning the topic reached logging.getLogger('pulsar')"
    )
    records = pulsar_logger_handler.snapshot()
    assert all(r.name == "pulsar" or r.name.startswith("pulsar.") for r in records)
    assert all(r.levelno >= logging.INFO for r in records)
    out, _err = capfd.readouterr()
    assert topic not in out, f"libpulsar lines were printed on stdout:\n{out[-2000:]}"
    assert "ProducerImpl" not in out
    assert "ClientConnection" not in out


def test_default_logging_in_fresh_process_prints_nothing_on_stdout(tmp_path, broker, topic):
    # In a fresh interpreter without any logging configuration, nothing of libpulsar's
    # INFO chatter may reach stdout.
    proc = run_child(
        tmp_path,
        f"""
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer({topic!r})
        p.send(b"x")
        client.close()
        print("CHILD-DONE")
        """,
        service_url=broker.service_url,
        timeout=60,
    )
    assert_child_ok(proc)
    assert proc.stdout.strip() == "CHILD-DONE", proc.stdout[-2000:]


def test_default_logging_with_basic_config_in_fresh_process(tmp_path, broker, topic):
    proc = run_child(
        tmp_path,
        f"""
        import logging
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="LOGGED %(name)s %(levelname)s %(message)s")
        client = pulsar.Client(SERVICE_URL)
        p = client.create_producer({topic!r})
        p.send(b"x")
        client.close()
        print("CHILD-DONE")
        """,
        service_url=broker.service_url,
        timeout=60,
    )
    assert_child_ok(proc)
    logged = [ln for ln in proc.stderr.splitlines() if ln.startswith("LOGGED pulsar")]
    assert any(topic in ln and " INFO " in ln for ln in logged), proc.stderr[-3000:]
    assert topic not in proc.stdout
