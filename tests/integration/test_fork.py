"""Fork (issue 11, section 1): multiprocessing workers started with the fork start method
each use a Client of their own while the parent's client (made before the fork, with a
producer and a consumer) goes on working; a client inherited from the parent raises a
clear error naming the fork instead of hanging; and os.fork() from one thread while
others are in send_async() and receive() leaves both processes working.

(tests/integration/test_producer_races.py::test_case2_fork covers a plain os.fork() from
the main thread whose child makes a new client.)

Each scenario runs in a child interpreter (support.guarded) under watchdogs: the
interpreter's own (faulthandler), one per forked process (SIGALRM, since faulthandler's
watchdog thread does not survive a fork), and a bound on every operation that may block
(a daemon thread joined with a timeout), so a hang is a failure with every thread's
stack. ``FASTPULSAR_FORK_BOUND_S`` (default 20) is the bound of one operation; raise it
on a very slow machine.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from support.guarded import run_guarded

BOUND_S = float(os.environ.get("FASTPULSAR_FORK_BOUND_S", "20"))
WORKERS = 4
pytestmark = pytest.mark.timeout(int(BOUND_S * 12 + 60))

MULTIPROCESSING_SCENARIO = """
import multiprocessing, os, threading, time, warnings
warnings.simplefilter("ignore", DeprecationWarning)  # fork() of a process with threads
BOUND = float(os.environ["FORK_BOUND_S"])
TOPIC = os.environ["FORK_TOPIC"]
WORKERS = int(os.environ["FORK_WORKERS"])
PER_WORKER = 20
arm_watchdog(BOUND * 10)
EARLIEST = pulsar.InitialPosition.Earliest

client = pulsar.Client(SERVICE_URL, operation_timeout_seconds=int(BOUND))
producer = client.create_producer(TOPIC + "-parent")
consumer = client.subscribe(TOPIC + "-parent", "parent", initial_position=EARLIEST)
parent_sent = []
parent_got = set()


def parent_send(tag):
    data = tag.encode()
    producer.send(data)
    parent_sent.append(data)


def parent_receive_all():
    while not set(parent_sent) <= parent_got:
        msg = consumer.receive(timeout_millis=int(BOUND * 1000))
        consumer.acknowledge(msg)
        parent_got.add(msg.data())
    return len(parent_got)


for i in range(5):
    parent_send("before-%d" % i)
before = bounded(parent_receive_all, "parent before the fork", BOUND)


def inherited_ops():
    # Each returns (it must not) or raises the error under test.
    return [
        ("producer.send", lambda: producer.send(b"from a child")),
        ("producer.send_async", lambda: producer.send_async(b"from a child", None)),
        ("consumer.receive", lambda: consumer.receive(timeout_millis=2000)),
        ("consumer.acknowledge", lambda: consumer.acknowledge(pulsar.MessageId.earliest)),
        ("client.create_producer", lambda: client.create_producer(TOPIC + "-inherited")),
        ("client.subscribe", lambda: client.subscribe(TOPIC + "-inherited", "s")),
        ("producer.close", lambda: producer.close()),
        ("consumer.close", lambda: consumer.close()),
        ("client.close", lambda: client.close()),
    ]


def worker(index, queue):
    arm_forked_watchdog(BOUND * 6)
    topic = "%s-w%d" % (TOPIC, index)

    def own_client():
        c = pulsar.Client(SERVICE_URL, operation_timeout_seconds=int(BOUND))
        p = c.create_producer(topic)
        s = c.subscribe(topic, "w", initial_position=EARLIEST)
        sent = [("w%d-%d" % (index, i)).encode() for i in range(PER_WORKER)]
        results = []
        for data in sent[: PER_WORKER // 2]:
            p.send(data)
        for data in sent[PER_WORKER // 2 :]:
            p.send_async(data, lambda result, msg_id: results.append(result.name))
        p.flush()
        got = set()
        while len(got) < len(sent):
            msg = s.receive(timeout_millis=int(BOUND * 1000))
            s.acknowledge(msg)
            got.add(msg.data())
        c.close()
        return {"callbacks": results, "received_all": got == set(sent)}

    facts = {"index": index, "own": bounded(own_client, "own client", BOUND * 2)}
    facts["inherited"] = {name: bounded(op, name, BOUND) for name, op in inherited_ops()}
    queue.put(facts)
    queue.close()
    queue.join_thread()


# The parent's client keeps working while the workers run.
stop = threading.Event()
during = {"sent": 0, "errors": []}


def parent_during():
    i = 0
    while not stop.is_set():
        try:
            parent_send("during-%d" % i)
            i += 1
        except Exception as exc:
            during["errors"].append(describe(exc))
        time.sleep(0.01)
    during["sent"] = i
    return parent_receive_all()


busy = threading.Thread(target=lambda: during.update(received=parent_during()))
busy.start()
context = multiprocessing.get_context("fork")
queue = context.Queue()
processes = [context.Process(target=worker, args=(i, queue), name="worker-%d" % i)
             for i in range(WORKERS)]
for p in processes:
    p.start()
workers = []
deadline = time.monotonic() + BOUND * 8
while len(workers) < WORKERS and time.monotonic() < deadline:
    try:
        workers.append(queue.get(timeout=1))
    except Exception:  # queue.Empty
        if all(p.exitcode is not None for p in processes):
            break
exit_codes = []
for p in processes:
    p.join(max(0.1, deadline - time.monotonic()))
    if p.exitcode is None:
        p.kill()
        p.join(5)
        exit_codes.append("killed (hung)")
    else:
        exit_codes.append(p.exitcode)
stop.set()
busy.join(BOUND * 2)
for i in range(5):
    parent_send("after-%d" % i)
after = bounded(parent_receive_all, "parent after the workers", BOUND)
closed = bounded(client.close, "parent close", BOUND)
report("MP", workers=workers, exit_codes=exit_codes, before=before, after=after,
       during=during, busy_alive=busy.is_alive(), closed=closed, parent_sent=len(parent_sent))
"""


THREADED_FORK_SCENARIO = """
import os, signal, threading, time, warnings
warnings.simplefilter("ignore", DeprecationWarning)  # fork() of a process with threads
BOUND = float(os.environ["FORK_BOUND_S"])
TOPIC = os.environ["FORK_TOPIC"]
FORKS = 3
arm_watchdog(BOUND * 10)
EARLIEST = pulsar.InitialPosition.Earliest

client = pulsar.Client(SERVICE_URL, operation_timeout_seconds=int(BOUND))
producer = client.create_producer(TOPIC, batching_enabled=True,
                                  batching_max_publish_delay_ms=5)
consumer = client.subscribe(TOPIC, "parent", initial_position=EARLIEST)
lock = threading.Lock()
accepted, callbacks, send_errors, received = set(), [], [], set()
stop = threading.Event()


def sender():
    i = 0
    while not stop.is_set():
        data = ("m-%d" % i).encode()
        i += 1
        try:
            producer.send_async(data, lambda r, m, d=data: callbacks.append((r.name, d)))
        except Exception as exc:
            send_errors.append(describe(exc))
            continue
        with lock:
            accepted.add(data)
        if i % 50 == 0:
            time.sleep(0.002)


def receiver():
    while not stop.is_set() or not accepted <= received:
        try:
            msg = consumer.receive(timeout_millis=200)
        except pulsar.Timeout:
            if stop.is_set() and time.monotonic() > drain_deadline[0]:
                return
            continue
        consumer.acknowledge(msg)
        with lock:
            received.add(msg.data())


drain_deadline = [float("inf")]
threads = [threading.Thread(target=sender, daemon=True),
           threading.Thread(target=receiver, daemon=True)]
for t in threads:
    t.start()
time.sleep(0.3)


def child_work(n):
    # In the child: only this thread exists.
    arm_forked_watchdog(BOUND * 4)
    facts = {}

    def own():
        c = pulsar.Client(SERVICE_URL, operation_timeout_seconds=int(BOUND))
        topic = "%s-child-%d" % (TOPIC, n)
        p = c.create_producer(topic)
        s = c.subscribe(topic, "c", initial_position=EARLIEST)
        done = []
        p.send(b"sync")
        p.send_async(b"async", lambda r, m: done.append(r.name))
        p.flush()
        got = set()
        while len(got) < 2:  # a repeated delivery (pulsar-lite 0.2.0's) adds nothing
            got.add(s.receive(timeout_millis=int(BOUND * 1000)).data())
        c.close()
        return {"callbacks": done, "received": sorted(x.decode() for x in got)}

    facts["own"] = bounded(own, "own client", BOUND * 2)
    facts["inherited_send"] = bounded(lambda: producer.send(b"x"), "inherited send", BOUND)
    facts["inherited_receive"] = bounded(lambda: consumer.receive(timeout_millis=2000),
                                         "inherited receive", BOUND)
    report("CHILD-%d" % n, **facts)
    ok = (facts["own"]["outcome"] == "returned"
          and facts["inherited_send"]["outcome"] == "raised"
          and facts["inherited_receive"]["outcome"] == "raised")
    os._exit(0 if ok else 3)


statuses = []
for n in range(FORKS):
    box = {}

    def forker():
        pid = os.fork()
        if pid == 0:
            try:
                child_work(n)
            finally:
                os._exit(4)
        box["pid"] = pid

    sys.stdout.flush()
    sys.stderr.flush()
    t = threading.Thread(target=forker)
    t.start()
    t.join(BOUND)
    pid = box["pid"]
    deadline = time.monotonic() + BOUND * 4 + 5
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            statuses.append(os.waitstatus_to_exitcode(status))
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            statuses.append("killed (hung)")
            break
        time.sleep(0.05)
    time.sleep(0.2)  # the parent's threads go on between forks

stop.set()
threads[0].join(BOUND)
flushed = bounded(producer.flush, "parent flush", BOUND)
drain_deadline[0] = time.monotonic() + BOUND
threads[1].join(BOUND * 2)
results = {}
for result, _ in callbacks:
    results[result] = results.get(result, 0) + 1
ok_sent = {d for r, d in callbacks if r == "Ok"}
closed = bounded(client.close, "parent close", BOUND)
report("PARENT", statuses=statuses, accepted=len(accepted), callbacks=len(callbacks),
       results=results, send_errors=send_errors[:5], flushed=flushed,
       missing=len(ok_sent - received), receiver_alive=threads[1].is_alive(), closed=closed)
"""


def _env(topic_prefix: str) -> dict[str, str]:
    return {
        "FORK_BOUND_S": str(BOUND_S),
        "FORK_TOPIC": f"persistent://public/default/{topic_prefix}-{uuid.uuid4().hex[:8]}",
        "FORK_WORKERS": str(WORKERS),
    }


def _assert_clear_fork_error(name: str, outcome: dict[str, Any], context: str) -> None:
    assert outcome["outcome"] == "raised", (
        f"{name} on an object inherited through fork {outcome['outcome']} instead of "
        f"raising ({outcome}){context}"
    )
    error = outcome["error"]
    assert {"PulsarException", "RuntimeError"} & set(error["mro"]), (
        f"{name}: {error['type']} is neither a PulsarException nor a RuntimeError{context}"
    )
    assert "fork" in error["message"], f"{name}: the message does not name the fork: {error}"


def test_multiprocessing_fork_workers_and_the_parent_client(broker, tmp_path):
    """4 workers (multiprocessing, fork start method) each produce and consume with a
    client of their own; the parent's client works before, during and after; every object
    inherited from the parent raises a clear error naming the fork, within the bound."""
    run = run_guarded(
        tmp_path,
        MULTIPROCESSING_SCENARIO,
        service_url=broker.service_url,
        timeout=BOUND_S * 12,
        env=_env("fork-mp"),
    )
    run.assert_clean_exit()
    facts = run.facts("MP")
    context = "\n" + run.tail()
    assert facts["exit_codes"] == [0] * WORKERS, f"worker exit codes: {facts}{context}"
    assert len(facts["workers"]) == WORKERS, f"workers reported: {facts['workers']}{context}"
    for worker in facts["workers"]:
        own = worker["own"]
        assert own["outcome"] == "returned", f"worker {worker['index']}: {own}{context}"
        assert own["value"]["callbacks"] == ["Ok"] * 10, own
        assert own["value"]["received_all"], own
        for name, outcome in worker["inherited"].items():
            _assert_clear_fork_error(f"worker {worker['index']}: {name}", outcome, context)
    assert facts["before"]["outcome"] == "returned", facts
    assert not facts["during"]["errors"], f"the parent's sends failed: {facts['during']}"
    assert facts["during"]["sent"] > 0, facts
    assert not facts["busy_alive"], f"the parent's receive loop hung: {facts}{context}"
    assert facts["during"].get("received") == facts["parent_sent"] - 5, facts  # not "after-"
    assert facts["after"]["outcome"] == "returned", f"the parent after the fork: {facts}"
    assert facts["after"]["value"] == facts["parent_sent"], facts
    assert facts["closed"]["outcome"] == "returned", facts


def test_fork_from_a_thread_while_others_send_and_receive(broker, tmp_path):
    """os.fork() from a thread, three times, while one thread is in send_async() and
    another in receive(): each child makes its own client and works, the inherited
    producer and consumer raise; the parent's sends all get their callback, Ok, and are
    all received."""
    run = run_guarded(
        tmp_path,
        THREADED_FORK_SCENARIO,
        service_url=broker.service_url,
        timeout=BOUND_S * 12,
        env=_env("fork-threads"),
    )
    run.assert_clean_exit()
    parent = run.facts("PARENT")
    context = "\n" + run.tail()
    for n in range(3):
        child = run.facts(f"CHILD-{n}")
        own = child["own"]
        assert own["outcome"] == "returned", f"forked child {n}: {own}{context}"
        assert own["value"] == {"callbacks": ["Ok"], "received": ["async", "sync"]}, own
        _assert_clear_fork_error("inherited producer.send", child["inherited_send"], context)
        _assert_clear_fork_error("inherited receive", child["inherited_receive"], context)
    assert parent["statuses"] == [0, 0, 0], f"forked children: {parent}{context}"
    assert parent["accepted"] > 0, parent
    assert not parent["send_errors"], parent
    assert parent["flushed"]["outcome"] == "returned", parent
    assert parent["callbacks"] == parent["accepted"], f"callbacks owed or repeated: {parent}"
    assert parent["results"] == {"Ok": parent["accepted"]}, parent
    assert parent["missing"] == 0, f"acknowledged sends never received: {parent}{context}"
    assert not parent["receiver_alive"], parent
    assert parent["closed"]["outcome"] == "returned", parent
