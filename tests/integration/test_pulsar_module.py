"""Code written against pulsar-client 3.13's private `_pulsar` module runs unchanged: the
same script (support/pulsar_module_peer.py: imports, every configuration getter's default,
the setters' returns, the class of the errors of wrong arguments, policies, authentication
factories, and `_pulsar.Client(url, conf)` producing, consuming and closing through its
callbacks) under the official client and under fastpulsar gives the same outcome."""

import queue
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from support.peer import run_peer

import _pulsar
import pulsar

pytestmark = [pytest.mark.interop, pytest.mark.timeout(600)]

SCRIPT = Path(__file__).parents[1] / "support" / "pulsar_module_peer.py"


def test_pulsar_module_script_gives_the_same_outcome_under_both_clients(
    official_python, broker, topic
):
    official = run_peer(official_python, [broker.service_url, topic + "-official"], script=SCRIPT)
    ours = run_peer(Path(sys.executable), [broker.service_url, topic + "-fast"], script=SCRIPT)
    assert ours == official
    assert official["message"] == ["hello", {"k": "v"}, "peer"]
    assert official["close_async"] == "Ok"


# ---- fastpulsar's _pulsar.Client on its own -----------------------------------------------


class Outcomes:
    """What the callbacks got, and on which thread."""

    def __init__(self) -> None:
        self.items: queue.Queue[tuple[str, tuple[Any, ...]]] = queue.Queue()

    def callback(self, *args: Any) -> None:
        self.items.put((threading.current_thread().name, args))

    def next(self) -> tuple[str, tuple[Any, ...]]:
        return self.items.get(timeout=30)


@pytest.fixture
def module_client(broker):
    client = _pulsar.Client(broker.service_url, _pulsar.ClientConfiguration())
    yield client
    client.close()


def test_pulsar_client_makes_pulsars_objects(module_client, topic):
    producer = module_client.create_producer(topic, _pulsar.ProducerConfiguration())
    assert type(producer) is pulsar.Producer
    reader = module_client.create_reader(
        topic, _pulsar.MessageId.earliest, _pulsar.ReaderConfiguration()
    )
    assert type(reader) is pulsar.Reader
    producer.send(b"one")
    assert reader.read_next(30000).data() == b"one"
    conf = _pulsar.ConsumerConfiguration()
    conf.subscription_initial_position(_pulsar.InitialPosition.Earliest)
    consumer = module_client.subscribe_topics([topic], "sub", conf)
    assert type(consumer) is pulsar.Consumer
    assert consumer.receive(30000).data() == b"one"
    view_conf = _pulsar.TableViewConfiguration()
    view_conf.subscription_name("view")
    assert type(module_client.create_table_view(topic, view_conf)) is pulsar.TableView
    assert module_client.get_topic_partitions(topic) == [topic]


def test_pulsar_client_async_callbacks_run_on_the_dispatcher_thread(module_client, topic):
    outcomes = Outcomes()
    module_client.create_producer_async(topic, _pulsar.ProducerConfiguration(), outcomes.callback)
    thread, (result, producer) = outcomes.next()
    assert (thread, result, type(producer)) == (
        "pulsar-dispatcher",
        pulsar.Result.Ok,
        pulsar.Producer,
    )
    conf = _pulsar.ConsumerConfiguration()
    module_client.subscribe_async(topic, "sub", conf, outcomes.callback)
    thread, (result, consumer) = outcomes.next()
    assert (thread, result, type(consumer)) == (
        "pulsar-dispatcher",
        pulsar.Result.Ok,
        pulsar.Consumer,
    )
    module_client.create_reader_async_v2(
        topic, _pulsar.MessageId.latest, _pulsar.ReaderConfiguration(), outcomes.callback
    )
    thread, (reader,) = outcomes.next()
    assert (thread, type(reader)) == ("pulsar-dispatcher", pulsar.Reader)
    module_client.get_topic_partitions_async(topic, outcomes.callback)
    assert outcomes.next() == ("pulsar-dispatcher", (pulsar.Result.Ok, [topic]))


def test_pulsar_client_v2_callback_gets_an_error_on_failure(module_client):
    outcomes = Outcomes()
    module_client.subscribe_async_v2(
        "invalid://no-such-scheme", "sub", _pulsar.ConsumerConfiguration(), outcomes.callback
    )
    thread, (error,) = outcomes.next()
    assert thread == "pulsar-dispatcher"
    assert isinstance(error, _pulsar.Error)
    assert error.error == pulsar.Result.InvalidTopicName


def test_pulsar_client_message_listener_runs_on_a_listener_thread(module_client, topic):
    outcomes = Outcomes()
    conf = _pulsar.ConsumerConfiguration().message_listener(outcomes.callback)
    consumer = module_client.subscribe(topic, "sub", conf)
    module_client.create_producer(topic, _pulsar.ProducerConfiguration()).send(b"heard")
    thread, (got_consumer, msg) = outcomes.next()
    assert (thread, got_consumer, msg.data()) == ("pulsar-listener-0", consumer, b"heard")


def test_pulsar_client_close_async_calls_back_once_closed(broker):
    client = _pulsar.Client(broker.service_url, _pulsar.ClientConfiguration())
    outcomes = Outcomes()
    client.close_async(outcomes.callback)
    assert outcomes.next()[1] == (pulsar.Result.Ok,)
    with pytest.raises(pulsar.AlreadyClosed):
        client.get_topic_partitions("t")
