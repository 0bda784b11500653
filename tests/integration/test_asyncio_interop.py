"""pulsar.asyncio against pulsar-client 3.13's (issue 10, section 4): one program written for
3.13's pulsar.asyncio runs unchanged on both clients, and each client's asyncio producer is
read by the other's asyncio consumer with messages and properties equal."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from fastpulsar_testing.official_venv import clean_env
from support.children import child_env, run_program

import pulsar

pytestmark = [pytest.mark.interop, pytest.mark.timeout(600)]

COUNT = 50
RESULT = "AIO-RESULT "

# Written against pulsar-client 3.13's pulsar.asyncio only; run as is by both interpreters.
PROGRAM = textwrap.dedent(
    """
    import asyncio, json, sys
    import pulsar
    from pulsar.asyncio import Client

    async def produce(url, topic, count, tag):
        client = Client(url)
        producer = await client.create_producer(topic, producer_name=tag)
        ids = []
        for i in range(count):
            msg_id = await producer.send(
                f"{tag}-{i}".encode(), properties={"i": str(i), "tag": tag}
            )
            ids.append(str(msg_id))
        await producer.flush()
        await producer.close()
        await client.close()
        return {"ids": ids, "module": pulsar.__file__}

    async def consume(url, topic, count):
        client = Client(url)
        consumer = await client.subscribe(
            topic, "aio-interop", initial_position=pulsar.InitialPosition.Earliest
        )
        seen = {}
        while len(seen) < count:  # pulsar-lite may deliver an entry twice: keep the first
            msg = await asyncio.wait_for(consumer.receive(), 30)
            await consumer.acknowledge(msg)
            seen.setdefault(str(msg.message_id()), {
                "data": msg.data().decode(),
                "properties": msg.properties(),
                "message_id": str(msg.message_id()),
            })
        await consumer.close()
        await client.close()
        return {"messages": list(seen.values()), "module": pulsar.__file__}

    async def both(url, topic, count, tag):
        client = Client(url)
        consumer = await client.subscribe(
            topic, "aio-interop", initial_position=pulsar.InitialPosition.Earliest
        )
        await client.close()
        produced = await produce(url, topic, count, tag)
        consumed = await consume(url, topic, count)
        return {**produced, **consumed}

    mode, url, topic, count, tag = sys.argv[1:]
    if mode == "produce":
        out = asyncio.run(produce(url, topic, int(count), tag))
    elif mode == "consume":
        out = asyncio.run(consume(url, topic, int(count)))
    else:
        out = asyncio.run(both(url, topic, int(count), tag))
    print("AIO-RESULT " + json.dumps(out), flush=True)
    """
)


@pytest.fixture
def program(tmp_path: Path) -> Path:
    script = tmp_path / "aio_program.py"
    script.write_text(PROGRAM)
    return script


def official(official_python, program, *args):
    out = run_program(
        official_python, program, clean_env(), *args, result_prefix=RESULT, hard_exit=True
    )
    assert "official-venv" in out["module"], out["module"]
    return out


def ours(program, *args):
    out = run_program(sys.executable, program, child_env(), *args, result_prefix=RESULT)
    assert Path(out["module"]).resolve() == Path(pulsar.__file__).resolve(), out["module"]
    return out


def expected(tag):
    return [{"data": f"{tag}-{i}", "properties": {"i": str(i), "tag": tag}} for i in range(COUNT)]


def essentials(messages):
    return [{"data": m["data"], "properties": m["properties"]} for m in messages]


@pytest.mark.parametrize("side", ["fastpulsar", "official"])
def test_same_program_runs_on_both(side, official_python, program, broker, topic):
    args = ("both", broker.service_url, topic, COUNT, side)
    out = (
        ours(program, *args) if side == "fastpulsar" else official(official_python, program, *args)
    )
    assert essentials(out["messages"]) == expected(side)
    assert [m["message_id"] for m in out["messages"]] == out["ids"]
    assert len(set(out["ids"])) == COUNT


def test_official_producer_to_our_consumer(official_python, program, broker, topic):
    produced = official(official_python, program, "produce", broker.service_url, topic, COUNT, "o")
    consumed = ours(program, "consume", broker.service_url, topic, COUNT, "-")
    assert essentials(consumed["messages"]) == expected("o")
    assert [m["message_id"] for m in consumed["messages"]] == produced["ids"]


def test_our_producer_to_official_consumer(official_python, program, broker, topic):
    produced = ours(program, "produce", broker.service_url, topic, COUNT, "f")
    consumed = official(official_python, program, "consume", broker.service_url, topic, COUNT, "-")
    assert essentials(consumed["messages"]) == expected("f")
    assert [m["message_id"] for m in consumed["messages"]] == produced["ids"]
