"""pulsar.asyncio (issue 10, section 4): pulsar-client 3.13's asyncio surface end to end,
what fastpulsar adds (receive timeouts, batch_receive, `async for`, coroutine listeners,
async context managers), cancellation, closing with awaits pending, closed loops, several
loops, and uvloop. Each test runs its coroutine with asyncio.run (no pytest plugin)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import threading
import time
import uuid
from typing import Any

import pytest
from support.aio import drain, receive_unique, run, wait_for_condition
from support.children import assert_child_ok, run_child
from support.messages import EARLIEST, id_key

import pulsar
import pulsar.asyncio
from pulsar.schema import Integer as IntegerField
from pulsar.schema import JsonSchema, Record, String, StringSchema


class Reading(Record):
    sensor = String()
    value = IntegerField()


def assert_already_closed(error: BaseException) -> None:
    assert isinstance(error, pulsar.AlreadyClosed), repr(error)
    assert isinstance(error, pulsar.asyncio.PulsarException), repr(error)
    assert error.error() == pulsar.Result.AlreadyClosed


async def expect_closed(awaitable) -> None:
    with pytest.raises(pulsar.AlreadyClosed) as info:
        await awaitable
    assert_already_closed(info.value)


# ---- 1. the 3.13 surface ----------------------------------------------------------------


def test_surface_end_to_end(broker, topic):
    async def main():
        client = pulsar.asyncio.Client(broker.service_url)
        producer = await client.create_producer(topic, producer_name="aio-producer")
        consumer = await client.subscribe(
            topic, "aio-sub", consumer_name="aio-consumer", initial_position=EARLIEST
        )
        payloads = [f"m-{i}".encode() for i in range(100)]
        ids = await asyncio.gather(*(producer.send(p) for p in payloads))
        assert len({id_key(i) for i in ids}) == 100
        assert all(a < b for a, b in zip(ids, ids[1:])), "ids not increasing in send order"

        last_id = await producer.send(
            b"extra",
            properties={"k": "v", "ключ": "значение"},
            partition_key="pk",
            event_timestamp=1_700_000_000_123,
        )
        assert producer.topic() == topic
        assert producer.producer_name() == "aio-producer"
        assert producer.last_sequence_id() == 100
        assert producer.is_connected()
        assert consumer.topic() == topic
        assert consumer.subscription_name() == "aio-sub"
        assert consumer.consumer_name() == "aio-consumer"
        assert consumer.is_connected()

        got = await receive_unique(consumer.receive, 101, ack=consumer.acknowledge)
        assert [m.data() for m in got[:100]] == payloads
        assert [m.message_id() for m in got[:100]] == list(ids)
        extra = got[100]
        assert extra.data() == b"extra"
        assert extra.properties() == {"k": "v", "ключ": "значение"}
        assert extra.partition_key() == "pk"
        assert extra.event_timestamp() == 1_700_000_000_123
        assert extra.message_id() == last_id

        assert await client.get_topic_partitions(topic) == [topic]
        last = await consumer.get_last_message_id()
        assert (last.ledger_id(), last.entry_id()) == (last_id.ledger_id(), last_id.entry_id())

        reader = await client.create_reader(topic, pulsar.MessageId.earliest)
        assert reader.topic() == topic
        read = []
        while await reader.has_message_available():
            read.append(await reader.read_next())
        assert [m.data() for m in read] == [*payloads, b"extra"]
        assert not await reader.has_message_available()

        await producer.flush()
        await producer.close()
        await expect_closed(producer.send(b"late"))
        await expect_closed(producer.close())
        await consumer.close()
        await expect_closed(consumer.receive())
        await expect_closed(consumer.acknowledge(extra))
        await reader.close()
        await expect_closed(reader.read_next())
        await client.close()
        await expect_closed(client.create_producer(topic))
        await expect_closed(client.close())

    run(main())


def test_schemas_round_trip(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            json_topic = topic + "-json"
            producer = await client.create_producer(json_topic, schema=JsonSchema(Reading))
            consumer = await client.subscribe(
                json_topic, "s", schema=JsonSchema(Reading), initial_position=EARLIEST
            )
            sent = [Reading(sensor=f"s{i}", value=i * 7) for i in range(5)]
            for record in sent:
                await producer.send(record)
            got = await receive_unique(consumer.receive, 5)
            assert [(m.value().sensor, m.value().value) for m in got] == [
                (r.sensor, r.value) for r in sent
            ]
            assert isinstance(got[0].value(), Reading)

            str_topic = topic + "-str"
            sproducer = await client.create_producer(str_topic, schema=StringSchema())
            sconsumer = await client.subscribe(
                str_topic, "s", schema=StringSchema(), initial_position=EARLIEST
            )
            words = ["héllo", "", "wörld ✓"]
            for word in words:
                await sproducer.send(word)
            got = await receive_unique(sconsumer.receive, 3)
            assert [m.value() for m in got] == words

    run(main())


def test_list_of_topics_subscribe(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            topics = [f"{topic}-{n}" for n in "abc"]
            for t in topics:
                producer = await client.create_producer(t, batching_enabled=False)
                await producer.send(t.encode())
                await producer.close()
            consumer = await client.subscribe(topics, "multi", initial_position=EARLIEST)
            got = await receive_unique(consumer.receive, 3, ack=consumer.acknowledge)
            assert sorted(m.data() for m in got) == sorted(t.encode() for t in topics)
            assert {m.topic_name() for m in got} == set(topics)
            await consumer.close()

    run(main())


@pytest.mark.standalone
def test_pattern_subscribe(standalone_broker, admin):
    prefix = f"aio-rx-{uuid.uuid4().hex[:8]}"
    topics = [f"persistent://public/default/{prefix}-{n}" for n in "ab"]
    for t in topics:
        admin.create_topic(t)

    async def main():
        async with pulsar.asyncio.Client(standalone_broker.service_url) as client:
            consumer = await client.subscribe(
                f"persistent://public/default/{prefix}-.*",
                "s",
                is_pattern_topic=True,
                initial_position=EARLIEST,
            )
            for t in topics:
                producer = await client.create_producer(t)
                await producer.send(t.encode())
                await producer.close()
            got = [await consumer.receive(timeout_millis=20000) for _ in topics]
            assert sorted(m.data() for m in got) == sorted(t.encode() for t in topics)
            with pytest.raises(ValueError, match="is_pattern_topic"):
                await client.subscribe(topics, "s", is_pattern_topic=True)

    run(main())


# ---- 2. beyond 3.13 ---------------------------------------------------------------------


def test_receive_timeout_on_empty_topic(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            consumer = await client.subscribe(topic, "s")
            reader = await client.create_reader(topic, pulsar.MessageId.earliest)
            for call in (consumer.receive, reader.read_next):
                start = time.monotonic()
                with pytest.raises(pulsar.Timeout) as info:
                    await call(timeout_millis=100)
                elapsed = time.monotonic() - start
                assert 0.09 <= elapsed < 2.0, elapsed
                assert isinstance(info.value, pulsar.asyncio.PulsarException)
                assert info.value.error() == pulsar.Result.Timeout
            # The consumer still works after a timeout: the next message is received.
            producer = await client.create_producer(topic)
            await producer.send(b"after")
            assert (await consumer.receive(timeout_millis=10000)).data() == b"after"
            assert (await reader.read_next(timeout_millis=10000)).data() == b"after"

    run(main())


def test_batch_receive(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            producer = await client.create_producer(topic)
            payloads = [f"b{i}".encode() for i in range(25)]
            await asyncio.gather(*(producer.send(p) for p in payloads))
            consumer = await client.subscribe(
                topic,
                "s",
                initial_position=EARLIEST,
                batch_receive_policy=pulsar.ConsumerBatchReceivePolicy(10, -1, 2000),
            )
            got: dict[tuple[int, int, int, int], bytes] = {}
            sizes = []
            while len(got) < 25:
                batch = await asyncio.wait_for(consumer.batch_receive(), 20)
                assert batch, "an empty batch although messages are waiting"
                sizes.append(len(batch))
                for m in batch:
                    got.setdefault(id_key(m.message_id()), m.data())
                    await consumer.acknowledge(m)
            assert max(sizes) <= 10
            assert list(got.values()) == payloads

    run(main())


def test_async_for_ends_when_closed_from_another_task(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            producer = await client.create_producer(topic, batching_enabled=False)
            consumer = await client.subscribe(topic, "s", initial_position=EARLIEST)
            reader = await client.create_reader(topic, pulsar.MessageId.earliest)
            seen: dict[str, list[bytes]] = {"consumer": [], "reader": []}

            async def iterate(name, source):
                async for msg in source:
                    seen[name].append(msg.data())
                return "ended"

            tasks = [
                asyncio.create_task(iterate("consumer", consumer)),
                asyncio.create_task(iterate("reader", reader)),
            ]
            for i in range(3):
                await producer.send(f"x{i}".encode())
            expected = [b"x0", b"x1", b"x2"]
            assert await wait_for_condition(lambda: all(len(set(v)) == 3 for v in seen.values())), (
                seen
            )
            assert not any(t.done() for t in tasks)
            await consumer.close()
            await reader.close()
            done = await asyncio.wait_for(asyncio.gather(*tasks), 5)
            assert done == ["ended", "ended"]
            assert list(dict.fromkeys(seen["consumer"])) == expected
            assert seen["reader"] == expected

    run(main())


def test_async_context_managers_close(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            async with await client.create_producer(topic) as producer:
                await producer.send(b"in")
            await expect_closed(producer.send(b"out"))
            async with await client.subscribe(topic, "s") as consumer:
                pass
            await expect_closed(consumer.receive())
            async with await client.create_reader(topic, pulsar.MessageId.earliest) as reader:
                assert (await reader.read_next(timeout_millis=10000)).data() == b"in"
            await expect_closed(reader.read_next())
        await expect_closed(client.create_producer(topic))

    run(main())


# ---- 3. coroutine listeners ---------------------------------------------------------------


async def publish(client, topic, payloads):
    producer = await client.create_producer(topic)
    await asyncio.gather(*(producer.send(p) for p in payloads))
    await producer.close()


def test_listener_in_order_with_concurrency_1(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            payloads = [f"o{i}".encode() for i in range(60)]
            await publish(client, topic, payloads)
            seen = []
            active = 0
            overlap = False

            async def listener(consumer, msg):
                nonlocal active, overlap
                active += 1
                overlap = overlap or active > 1
                await asyncio.sleep(0)
                seen.append((id_key(msg.message_id()), msg.data()))
                await consumer.acknowledge(msg)
                active -= 1

            consumer = await client.subscribe(
                topic, "s", initial_position=EARLIEST, message_listener=listener
            )
            assert await wait_for_condition(lambda: len(dict(seen)) >= 60), len(seen)
            assert not overlap
            assert list(dict(seen).values()) == payloads
            await consumer.close()

    run(main())


def test_listener_concurrency_4_bounds_calls(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            payloads = [f"c{i}".encode() for i in range(40)]
            await publish(client, topic, payloads)
            seen = set()
            active = 0
            most = 0

            async def listener(consumer, msg):
                nonlocal active, most
                active += 1
                most = max(most, active)
                await asyncio.sleep(0.01)
                seen.add(msg.data())
                active -= 1

            consumer = await client.subscribe(
                topic,
                "s",
                initial_position=EARLIEST,
                message_listener=listener,
                message_listener_concurrency=4,
            )
            assert await wait_for_condition(lambda: len(seen) == 40), len(seen)
            assert most == 4
            await consumer.close()

    run(main())


def test_listener_error_reaches_exception_handler(broker, topic):
    async def main():
        loop = asyncio.get_running_loop()
        reported = []
        loop.set_exception_handler(lambda _loop, context: reported.append(context))
        async with pulsar.asyncio.Client(broker.service_url) as client:
            seen = []

            def listener(consumer, msg):  # a plain function works too
                seen.append(msg.data())
                if msg.data() == b"bad":
                    raise RuntimeError("listener failed on purpose")

            consumer = await client.subscribe(
                topic, "s", initial_position=EARLIEST, message_listener=listener
            )
            await publish(client, topic, [b"one", b"bad", b"two", b"three"])
            assert await wait_for_condition(lambda: b"three" in seen), seen
            assert b"two" in seen
            errors = [c.get("exception") for c in reported]
            assert any(isinstance(e, RuntimeError) and "on purpose" in str(e) for e in errors), (
                reported
            )
            await consumer.close()

    run(main())


def test_listener_backpressure(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            release = asyncio.Event()
            seen = []

            async def listener(consumer, msg):
                seen.append(id_key(msg.message_id()))
                await release.wait()
                await consumer.acknowledge(msg)

            consumer = await client.subscribe(
                topic, "s", initial_position=EARLIEST, message_listener=listener
            )
            await publish(client, topic, [f"p{i}".encode() for i in range(300)])
            assert await wait_for_condition(lambda: len(seen) >= 1)
            await asyncio.sleep(1.0)  # an observation window: nothing more may be taken
            assert len(seen) == 1
            assert not consumer._line.kept  # nothing taken and parked beside the listener
            release.set()
            assert await wait_for_condition(lambda: len(set(seen)) == 300), len(set(seen))
            await consumer.close()

    run(main())


# ---- 4. cancellation ----------------------------------------------------------------------

CANCEL_COUNT = 1000


async def publish_paced(client, topic, count, rng, caught_up=None):
    """Publish "0".."count-1" two at a time, so that receivers often wait in line (a
    receive that finds a message at once never suspends, and cannot be cancelled inside).
    `caught_up(i)`, if given, is awaited true (for up to 50 ms) before message i of each
    pair: the receiving side then stays at the head of the topic, waiting, however fast
    this machine runs each side."""
    producer = await client.create_producer(topic, batching_enabled=False)
    sends = []
    for i in range(count):
        if caught_up is not None and i % 2 == 0:
            await wait_for_condition(functools.partial(caught_up, i), timeout=0.05, interval=0.0005)
        sends.append(asyncio.ensure_future(producer.send(str(i).encode())))
        if i % 2:
            await asyncio.sleep(rng.random() / 1000)
    await asyncio.gather(*sends)
    await producer.close()


@pytest.mark.standalone
def test_cancelled_receives_lose_no_message(standalone_broker, topic):
    rng = random.Random(1234)

    async def main():
        async with pulsar.asyncio.Client(standalone_broker.service_url) as client:
            consumer = await client.subscribe(topic, "s", initial_position=EARLIEST)
            publisher = asyncio.create_task(publish_paced(client, topic, CANCEL_COUNT, rng))
            got = []

            async def receiver(pause):
                while True:
                    msg = await consumer.receive()
                    got.append(msg)
                    await consumer.acknowledge(msg)
                    await asyncio.sleep(rng.random() / 1000 if pause else 0)

            survivors = [asyncio.create_task(receiver(True)) for _ in range(2)]
            cancelled = 0
            while not publisher.done() or len(got) < CANCEL_COUNT * 0.9:
                victims = [asyncio.create_task(receiver(rng.random() < 0.5)) for _ in range(3)]
                await asyncio.sleep(rng.random() / 1000 if rng.random() < 0.8 else 0)
                for victim in victims:
                    victim.cancel()
                    cancelled += 1
                await asyncio.gather(*victims, return_exceptions=True)
            await publisher
            for task in survivors:
                task.cancel()
            await asyncio.gather(*survivors, return_exceptions=True)
            got.extend(await drain(consumer.receive, idle_ms=1500))
            data = [int(m.data()) for m in got]
            assert len(data) == len(set(data)), "a message was delivered twice"
            missing = sorted(set(range(CANCEL_COUNT)) - set(data))
            assert not missing, f"{len(missing)} messages lost, e.g. {missing[:10]}"
            assert cancelled > 100

    run(main(), timeout=90)


@pytest.mark.standalone
def test_cancelled_read_next_loses_no_message(standalone_broker, topic):
    rng = random.Random(4321)

    async def main():
        async with pulsar.asyncio.Client(standalone_broker.service_url) as client:
            reader = await client.create_reader(topic, pulsar.MessageId.earliest)
            got: list[pulsar.Message] = []
            # The reader kept at the head, so that its reads wait (and can be cancelled
            # waiting) on a slow machine too: a CI run counted only 15 cancelled waits.
            publisher = asyncio.create_task(
                publish_paced(client, topic, CANCEL_COUNT, rng, lambda i: len(got) >= i - 2)
            )
            cancelled = 0
            while not publisher.done() or len(got) < CANCEL_COUNT * 0.9:
                task = asyncio.create_task(reader.read_next())
                await asyncio.sleep(rng.random() / 4000 if rng.random() < 0.7 else 0)
                if task.cancel():
                    cancelled += 1
                with contextlib.suppress(asyncio.CancelledError):
                    got.append(await task)
            await publisher
            got.extend(await drain(reader.read_next, idle_ms=1500))
            assert [int(m.data()) for m in got] == list(range(CANCEL_COUNT))
            print("cancelled waiting reads:", cancelled)
            assert cancelled > 20  # most reads find a message at once (no wait to cancel)

    run(main(), timeout=90)


def test_cancelled_send_is_still_published(broker, topic):
    async def main():
        async with pulsar.asyncio.Client(broker.service_url) as client:
            producer = await client.create_producer(topic)
            tasks = [asyncio.create_task(producer.send(f"s{i}".encode())) for i in range(20)]
            await asyncio.sleep(0)  # every send() has started: the publish is on its way
            for task in tasks[::2]:
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            assert all(isinstance(o, asyncio.CancelledError) for o in outcomes[::2])
            assert all(isinstance(o, pulsar.MessageId) for o in outcomes[1::2])
            await asyncio.wait_for(producer.flush(), 10)
            reader = await client.create_reader(topic, pulsar.MessageId.earliest)
            got = await drain(reader.read_next, idle_ms=1000)
            assert [m.data() for m in got] == [f"s{i}".encode() for i in range(20)]

    run(main())


# ---- 5. closing with awaits pending -------------------------------------------------------


def test_client_close_fails_pending_awaits(broker, topic):
    """Every receive and read_next pending at the client's close fails with AlreadyClosed.
    libpulsar fails them by posting their callbacks to its listener threads, which the
    client's close then stops: in about 1 close of 70 some were dropped, and their awaits
    hung (a stop-20 CI failure). The client now abandons those libpulsar did not complete.
    Repeated with fresh clients so that the race is met."""

    async def once(n):
        client = pulsar.asyncio.Client(broker.service_url)
        mine = f"{topic}-{n}"
        consumers = [await client.subscribe(mine, f"s{i}") for i in range(2)]
        reader = await client.create_reader(mine, pulsar.MessageId.latest)
        pending = [
            asyncio.create_task(c.receive(), name=f"receive-{i}") for i, c in enumerate(consumers)
        ]
        # a second one in line
        pending += [asyncio.create_task(consumers[0].receive(), name="receive-0-second")]
        pending += [
            asyncio.create_task(reader.read_next(), name=f"read_next-{i}") for i in range(2)
        ]
        await asyncio.sleep(0.05)
        assert not any(t.done() for t in pending)
        await asyncio.wait_for(client.close(), 10)
        _, hung = await asyncio.wait(pending, timeout=5)
        assert not hung, f"close {n}: still pending: {sorted(t.get_name() for t in hung)}"
        for task in pending:
            error = task.exception()
            assert error is not None, task.get_name()
            assert_already_closed(error)

    async def main():
        for n in range(100):
            await once(n)

    run(main(), timeout=300)


# ---- 6. closed loops, several loops -------------------------------------------------------


def test_loop_closed_with_client_open(broker, topic, tmp_path):
    code = f"""
    import asyncio, pulsar, pulsar.asyncio
    TOPIC = {topic!r}

    async def leave_pending(name):
        client = pulsar.asyncio.Client(SERVICE_URL)
        consumer = await client.subscribe(TOPIC, name)
        reader = await client.create_reader(TOPIC, pulsar.MessageId.latest)
        asyncio.get_running_loop().create_task(consumer.receive())
        asyncio.get_running_loop().create_task(reader.read_next())
        await asyncio.sleep(0.2)
        return client

    # asyncio.run cancels the pending receives and closes its loop; the client stays open.
    kept = [asyncio.run(leave_pending("left-1"))]
    # A loop closed with the receives still pending: their completions reach a closed loop.
    loop = asyncio.new_event_loop()
    kept.append(loop.run_until_complete(leave_pending("left-2")))
    loop.close()
    sync = pulsar.Client(SERVICE_URL)
    producer = sync.create_producer(TOPIC)
    for i in range(3):
        producer.send(b"to-nobody")
    producer.flush()
    import time; time.sleep(0.5)
    print("CHILD-DONE", flush=True)
    """
    start = time.monotonic()
    proc = run_child(tmp_path, code, service_url=broker.service_url, timeout=30)
    assert_child_ok(proc)
    assert "Abort" not in proc.stderr, proc.stderr[-3000:]
    assert "Fatal" not in proc.stderr, proc.stderr[-3000:]
    assert time.monotonic() - start < 30


def test_two_threads_two_loops(broker, topic):
    results: dict[int, object] = {}

    def worker(n):
        async def main():
            async with pulsar.asyncio.Client(broker.service_url) as client:
                mine = f"{topic}-{n}"
                consumer = await client.subscribe(mine, "s", initial_position=EARLIEST)
                producer = await client.create_producer(mine)
                payloads = [f"{n}-{i}".encode() for i in range(200)]
                receiving = asyncio.create_task(
                    receive_unique(consumer.receive, 200, ack=consumer.acknowledge)
                )
                await asyncio.gather(*(producer.send(p) for p in payloads))
                got = await asyncio.wait_for(receiving, 30)
                return [m.data() for m in got] == payloads

        try:
            results[n] = run(main())
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            results[n] = error

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {0: True, 1: True}


def test_one_producer_on_successive_loops_and_threads(broker, topic):
    """A producer made on one loop sends from the loops that follow it on the same thread,
    from a loop of another thread and (when installed) from uvloop: each send's future is
    of the loop awaiting it. Outside any running loop, send raises RuntimeError as
    asyncio.get_running_loop() does."""
    made: dict[str, Any] = {}

    async def make():
        made["client"] = pulsar.asyncio.Client(broker.service_url)
        made["producer"] = await made["client"].create_producer(topic)

    async def send(tag):
        producer = made["producer"]
        futures = [producer.send(f"{tag}-{i}".encode()) for i in range(20)]
        assert all(f.get_loop() is asyncio.get_running_loop() for f in futures)
        ids = await asyncio.gather(*futures)
        return len(ids)

    run(make())
    sent = {"first": run(send("first")), "second": run(send("second"))}
    in_thread: dict[str, object] = {}

    def other_thread():
        try:
            in_thread["n"] = run(send("thread"))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            in_thread["n"] = error

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(60)
    sent["thread"] = in_thread["n"]
    try:
        import uvloop
    except ImportError:
        pass  # not a dependency: the default loop's cases still run
    else:
        sent["uvloop"] = uvloop.run(asyncio.wait_for(send("uvloop"), 60))
    with pytest.raises(RuntimeError, match="no running event loop"):
        made["producer"].send(b"no loop")
    sent["after"] = run(send("after"))
    assert set(sent.values()) == {20}, sent

    async def read_back_and_close():
        async with made["client"] as client:
            reader = await client.create_reader(topic, pulsar.MessageId.earliest)
            got = [(await reader.read_next()).data().decode() for _ in range(20 * len(sent))]
            assert await reader.has_message_available() is False
        return got

    got = run(read_back_and_close())
    assert sorted(got) == sorted(f"{tag}-{i}" for tag in sent for i in range(20))


# ---- 7. uvloop -----------------------------------------------------------------------------


def test_uvloop_send_receive(broker, topic):
    uvloop = pytest.importorskip("uvloop", reason="uvloop is not installed (not a dependency)")

    async def main():
        assert "uvloop" in type(asyncio.get_running_loop()).__module__
        async with pulsar.asyncio.Client(broker.service_url) as client:
            consumer = await client.subscribe(topic, "s", initial_position=EARLIEST)
            producer = await client.create_producer(topic)
            payloads = [f"u{i}".encode() for i in range(50)]
            await asyncio.gather(*(producer.send(p) for p in payloads))
            got = await receive_unique(consumer.receive, 50)
            assert [m.data() for m in got] == payloads
            # Nothing more, repeated deliveries of an id aside (pulsar-lite 0.2.0's, see
            # support.messages).
            known = {id_key(m.message_id()) for m in got}
            late = await drain(consumer.receive, idle_ms=100)
            assert [m.data() for m in late if id_key(m.message_id()) not in known] == []

    uvloop.run(asyncio.wait_for(main(), 60))


@pytest.mark.parametrize("source", ["consumer", "reader"])
def test_cancel_after_the_message_reached_the_waiter(broker, topic, source):
    """The narrowest cancel race: the message is handed to a waiting receive() (its future
    resolved), and the task is cancelled before it runs again. The message must then be
    kept for the next receive, not dropped with the cancelled task."""

    async def main():
        loop = asyncio.get_running_loop()
        async with pulsar.asyncio.Client(broker.service_url) as client:
            target: pulsar.asyncio.Consumer | pulsar.asyncio.Reader
            if source == "consumer":
                target = await client.subscribe(topic, "s")
                receive = target.receive
            else:
                target = await client.create_reader(topic, pulsar.MessageId.latest)
                receive = target.read_next
            task = asyncio.create_task(receive())
            assert await wait_for_condition(lambda: len(target._line._waiters) == 1)
            waiter = target._line._waiters[0]

            def cancel_once_resolved():
                # Runs every loop iteration; cancels as soon as the waiter holds the
                # message, before the task has resumed.
                if waiter.done():
                    task.cancel()
                else:
                    loop.call_soon(cancel_once_resolved)

            loop.call_soon(cancel_once_resolved)
            producer = await client.create_producer(topic)
            await producer.send(b"handed-over")
            outcome = (await asyncio.gather(task, return_exceptions=True))[0]
            assert isinstance(outcome, asyncio.CancelledError)  # the race was hit
            try:
                got = await receive(timeout_millis=3000)
            except pulsar.Timeout:
                pytest.fail("the message handed to the cancelled receive was lost")
            assert got.data() == b"handed-over"

    run(main())
