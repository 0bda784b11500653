// pulsar.Consumer's methods.
#include <pybind11/pybind11.h>

#include <memory>

#include "bind/register.hpp"
#include "core/consumer.hpp"
#include "core/listener.hpp"

namespace fastpulsar {
namespace {

PyMethodDef g_receive_def = {
    "receive", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(consumer_receive)),
    METH_FASTCALL | METH_KEYWORDS,
    "receive($self, /, timeout_millis=None)\n--\n\n"
    "Wait for the next message and return it; with timeout_millis, raise pulsar.Timeout\n"
    "when none arrives in time. The GIL is released while waiting; Ctrl-C interrupts."};
PyMethodDef g_acknowledge_def = {
    "acknowledge",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(consumer_acknowledge)),
    METH_FASTCALL | METH_KEYWORDS,
    "acknowledge($self, /, message)\n--\n\nAcknowledge a message (a Message or a MessageId)."};

}  // namespace

void register_consumer(py::module_& m) {
    py::class_<MessageListenerQueue, std::shared_ptr<MessageListenerQueue>>(
        m, "MessageListener",
        "Where a consumer's messages wait for its message_listener (served on a listener "
        "thread).")
        .def(py::init([](py::object listener, py::object schema, std::size_t capacity) {
                 return std::make_shared<MessageListenerQueue>(std::move(listener),
                                                               std::move(schema), capacity);
             }),
             py::arg("listener"), py::arg("schema"), py::arg("capacity"))
        .def(
            "attach",
            [](const std::shared_ptr<MessageListenerQueue>& queue,
               const std::shared_ptr<ConsumerCore>& consumer) {
                consumer->set_listener(queue);
                queue->attach(consumer);
            },
            py::arg("consumer"), "Start serving the messages of `consumer` to the listener.");

    py::class_<ConsumerCore, std::shared_ptr<ConsumerCore>> cls(
        m, "Consumer", "Receives messages of a subscription; made by Client.subscribe().");
    add_c_method(cls, &g_receive_def);
    add_c_method(cls, &g_acknowledge_def);
    cls.def(
           "topic", [](const ConsumerCore& c) { return c.consumer().getTopic(); },
           "The topic (or topics) this consumer is subscribed to.")
        .def(
            "subscription_name",
            [](const ConsumerCore& c) { return c.consumer().getSubscriptionName(); },
            "The subscription's name.")
        .def(
            "consumer_name", [](const ConsumerCore& c) { return c.consumer().getConsumerName(); },
            "The consumer's name, given or generated.")
        .def(
            "is_connected", [](const ConsumerCore& c) { return c.consumer().isConnected(); },
            "Whether the consumer is connected to its broker now.")
        .def("acknowledge_cumulative", &ConsumerCore::acknowledge_cumulative, py::arg("message"),
             "Acknowledge a message and every earlier one of the subscription.")
        .def("negative_acknowledge", &ConsumerCore::negative_acknowledge, py::arg("message"),
             "Ask for a message to be redelivered after negative_ack_redelivery_delay_ms.")
        .def("batch_receive", &ConsumerCore::batch_receive,
             "Wait for a batch of messages, as the subscription's batch_receive_policy says,\n"
             "and return them as a list of Message.")
        .def("get_last_message_id", &ConsumerCore::get_last_message_id,
             "The id of the last message published on the topic.")
        .def("seek", &ConsumerCore::seek, py::arg("messageid"),
             "Reset the subscription to a message id, or to a publish time (an int, in\n"
             "milliseconds since the epoch).\n\n"
             "Args:\n"
             "    messageid: A MessageId, or a publish time in milliseconds since the epoch.")
        .def("redeliver_unacknowledged_messages", &ConsumerCore::redeliver_unacknowledged_messages,
             "Ask the broker to redeliver every message not acknowledged yet.")
        .def("pause_message_listener", &ConsumerCore::pause_message_listener,
             "Stop calling the message_listener until resume_message_listener().")
        .def("resume_message_listener", &ConsumerCore::resume_message_listener,
             "Call the message_listener again, starting with the messages held meanwhile.")
        // pulsar.asyncio's (runtime/loop_sink.hpp): the outcome resolves `future` through
        // the LoopSink `sink`.
        .def("_try_receive", &ConsumerCore::try_receive,
             "A message already received from the broker, or None; never waits.")
        .def("_receive_async", &ConsumerCore::receive_async, py::arg("sink"), py::arg("future"))
        .def("_batch_receive_async", &ConsumerCore::batch_receive_async, py::arg("sink"),
             py::arg("future"))
        .def("_get_last_message_id_async", &ConsumerCore::get_last_message_id_async,
             py::arg("sink"), py::arg("future"))
        .def("_seek_async", &ConsumerCore::seek_async, py::arg("messageid"), py::arg("sink"),
             py::arg("future"))
        .def("_unsubscribe_async", &ConsumerCore::unsubscribe_async, py::arg("sink"),
             py::arg("future"))
        .def(
            "_close_async",
            [](py::object self, py::handle sink, py::handle future) {
                self.cast<ConsumerCore&>().close_async(self, sink, future);
            },
            py::arg("sink"), py::arg("future"))
        // pulsar-client 3.13's _pulsar.Consumer methods with a callback, run on the
        // dispatcher thread (runtime/callback_op.hpp).
        .def("receive_async", &ConsumerCore::receive_with_callback, py::arg("callback"),
             "Receive the next message without waiting: callback(result, message) runs once,\n"
             "later, on the pulsar dispatcher thread (message None when result is not Ok).")
        .def("acknowledge_async", &ConsumerCore::acknowledge_with_callback, py::arg("message"),
             py::arg("callback"),
             "Acknowledge a message (a Message or a MessageId) without waiting:\n"
             "callback(result) runs once, later, on the pulsar dispatcher thread.")
        .def("acknowledge_cumulative_async", &ConsumerCore::acknowledge_cumulative_with_callback,
             py::arg("message"), py::arg("callback"),
             "acknowledge_cumulative without waiting: callback(result) runs once, later, on\n"
             "the pulsar dispatcher thread.\n\n"
             "Args:\n"
             "    message: A Message or a MessageId.\n"
             "    callback: callback(result), a pulsar.Result.")
        .def("negative_acknowledge_async", &ConsumerCore::negative_acknowledge_with_callback,
             py::arg("message"), py::arg("callback"),
             "negative_acknowledge, then callback(result) once, later, on the pulsar\n"
             "dispatcher thread (pulsar-client 3.13 never calls it).\n\n"
             "Args:\n"
             "    message: A Message or a MessageId.\n"
             "    callback: callback(result), a pulsar.Result.")
        .def("get_last_message_id_async", &ConsumerCore::get_last_message_id_with_callback,
             py::arg("callback"),
             "get_last_message_id without waiting: callback(result, message_id) runs once,\n"
             "later, on the pulsar dispatcher thread.")
        .def("seek_async", &ConsumerCore::seek_with_callback, py::arg("messageid"),
             py::arg("callback"),
             "seek without waiting: callback(result) runs once, later, on the pulsar\n"
             "dispatcher thread.\n\n"
             "Args:\n"
             "    messageid: A MessageId, or a publish time in milliseconds since the epoch.\n"
             "    callback: callback(result), a pulsar.Result.")
        .def("unsubscribe_async", &ConsumerCore::unsubscribe_with_callback, py::arg("callback"),
             "unsubscribe without waiting: callback(result) runs once, later, on the pulsar\n"
             "dispatcher thread.")
        .def(
            "close_async",
            [](py::object self, py::handle callback) {
                self.cast<ConsumerCore&>().close_with_callback(self, callback);
            },
            py::arg("callback"),
            "Close the consumer without waiting: callback(result) runs once, later, on the\n"
            "pulsar dispatcher thread.")
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__", &ConsumerCore::next,
             "The next message, waiting for it; stops once the consumer is closed.")
        .def("unsubscribe", &ConsumerCore::unsubscribe,
             "Remove the subscription from the broker (the consumer is closed too).")
        .def("close", &ConsumerCore::close,
             "Close the consumer. Raises AlreadyClosed when already closed.")
        .def("__enter__", [](py::object self) { return self; })
        .def(
            "__exit__",
            [](ConsumerCore& c, py::handle, py::handle, py::handle) {
                if (!c.is_closed()) {
                    c.close();
                }
                return false;
            },
            "Close the consumer (if still open).")
        .def("__repr__", [](const ConsumerCore& c) {
            return "<pulsar.Consumer topic='" + c.consumer().getTopic() + "' subscription='" +
                   c.consumer().getSubscriptionName() + "'>";
        });
}

}  // namespace fastpulsar
