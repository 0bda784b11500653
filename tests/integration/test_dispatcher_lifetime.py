"""The dispatcher's threads (pulsar-dispatcher and the listener threads) do not outlive the
last client.

pulsar-client's own tests count threads with threading.active_count(): after every Client
is closed it must be back to what it was before the first one, and the next Client starts
the dispatcher again. Each scenario runs in a fresh interpreter, where no fixture's client
is open.
"""

from __future__ import annotations

import json

from support.children import run_child


def run_json(tmp_path, broker, code):
    proc = run_child(tmp_path, code, service_url=broker.service_url, timeout=90)
    assert proc.returncode == 0, f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


COUNTS = """
import json, threading
facts = {"before": threading.active_count()}
client = pulsar.Client(SERVICE_URL)
facts["open"] = threading.active_count()
facts["names"] = sorted(t.name for t in threading.enumerate())
producer = client.create_producer(TOPIC)
results = []
for i in range(100):
    producer.send_async(b"x", lambda res, msg_id: results.append(str(res)))
client.close()
facts["callbacks_at_close"] = len(results)
facts["after_close"] = threading.active_count()
# Again: the next client starts the dispatcher again, and its callbacks run.
client = pulsar.Client(SERVICE_URL)
facts["reopened"] = threading.active_count()
producer = client.create_producer(TOPIC)
done = threading.Event()
producer.send_async(b"y", lambda res, msg_id: done.set())
facts["second_callback"] = done.wait(10)
client.close()
facts["after_second_close"] = threading.active_count()
print(json.dumps(facts))
"""


def test_thread_count_is_back_after_the_last_close(tmp_path, broker, topic):
    facts = run_json(tmp_path, broker, f"TOPIC = {topic!r}\n" + COUNTS)
    assert facts["open"] == facts["before"] + 2, facts
    assert "pulsar-dispatcher" in facts["names"], facts
    assert "pulsar-listener-0" in facts["names"], facts
    assert facts["callbacks_at_close"] == 100, facts
    assert facts["after_close"] == facts["before"], facts
    assert facts["reopened"] == facts["before"] + 2, facts
    assert facts["second_callback"] is True, facts
    assert facts["after_second_close"] == facts["before"], facts


TWO_CLIENTS = """
import json, threading
facts = {"before": threading.active_count()}
first = pulsar.Client(SERVICE_URL)
second = pulsar.Client(SERVICE_URL)
first.close()
facts["one_open"] = threading.active_count()
producer = second.create_producer(TOPIC)
done = threading.Event()
producer.send_async(b"x", lambda res, msg_id: done.set())
facts["callback"] = done.wait(10)
second.close()
facts["none_open"] = threading.active_count()
print(json.dumps(facts))
"""


def test_the_thread_serves_until_the_last_client_closes(tmp_path, broker, topic):
    facts = run_json(tmp_path, broker, f"TOPIC = {topic!r}\n" + TWO_CLIENTS)
    assert facts["one_open"] == facts["before"] + 2, facts
    assert facts["callback"] is True, facts
    assert facts["none_open"] == facts["before"], facts


DROPPED_CLIENT = """
import gc, json, threading
facts = {"before": threading.active_count()}
producer = pulsar.Client(SERVICE_URL).create_producer(TOPIC)
gc.collect()
other = pulsar.Client(SERVICE_URL)
other.close()  # not the last open client: the dropped one still serves its producer
facts["after_other_close"] = threading.active_count()
done = threading.Event()
producer.send_async(b"x", lambda res, msg_id: done.set())
facts["callback"] = done.wait(10)
facts["sent"] = str(producer.send(b"y"))
print(json.dumps(facts))
"""


def test_a_client_dropped_with_its_producer_kept_keeps_the_dispatcher(tmp_path, broker, topic):
    facts = run_json(tmp_path, broker, f"TOPIC = {topic!r}\n" + DROPPED_CLIENT)
    assert facts["after_other_close"] == facts["before"] + 2, facts
    assert facts["callback"] is True, facts
    assert facts["sent"].startswith("("), facts


CLOSE_IN_CALLBACK = """
import json, threading, time
facts = {"before": threading.active_count()}
client = pulsar.Client(SERVICE_URL)
producer = client.create_producer(TOPIC)
closed = threading.Event()
def close_from_callback(res, msg_id):
    client.close()  # on the dispatcher thread: it stops after this callback
    closed.set()
producer.send_async(b"x", close_from_callback)
facts["closed"] = closed.wait(10)
deadline = time.monotonic() + 10
while threading.active_count() != facts["before"] and time.monotonic() < deadline:
    time.sleep(0.01)
facts["after"] = threading.active_count()
# A callback that closes the last client and makes a new one keeps the dispatcher serving.
client = pulsar.Client(SERVICE_URL)
producer = client.create_producer(TOPIC)
holder = {}
second = threading.Event()
def reopen_from_callback(res, msg_id):
    client.close()
    holder["client"] = pulsar.Client(SERVICE_URL)
    holder["producer"] = holder["client"].create_producer(TOPIC)
    holder["producer"].send_async(b"z", lambda r, m: second.set())
producer.send_async(b"y", reopen_from_callback)
facts["served_after_reopen"] = second.wait(10)
holder["client"].close()
facts["end"] = threading.active_count()
print(json.dumps(facts))
"""


def test_closing_the_last_client_from_a_callback(tmp_path, broker, topic):
    facts = run_json(tmp_path, broker, f"TOPIC = {topic!r}\n" + CLOSE_IN_CALLBACK)
    assert facts["closed"] is True, facts
    assert facts["after"] == facts["before"], facts
    assert facts["served_after_reopen"] is True, facts
    assert facts["end"] == facts["before"], facts
