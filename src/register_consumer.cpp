// pulsar.Consumer: receive, acknowledge, close.
#include "consumer.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <utility>

#include "common.hpp"
#include "register.hpp"
#include "wait.hpp"

namespace fastpulsar {
namespace {

// Blocking receives wait in slices this long, checking for signals in between.
constexpr int kReceiveSliceMs = 100;

const pulsar::MessageId& message_id_of(py::handle obj, const char* name) {
    if (const pulsar::Message* message = unwrap_message(obj)) {
        return message->getMessageId();
    }
    if (const pulsar::MessageId* id = unwrap_message_id(obj)) {
        return *id;
    }
    raise_type_error(name, "a Message or a MessageId", obj.ptr());
}

}  // namespace

ConsumerCore::ConsumerCore(pulsar::Consumer consumer, py::object schema,
                           std::shared_ptr<ClientState> client)
    : consumer_(std::move(consumer)), schema_(std::move(schema)), client_(std::move(client)) {}

ConsumerCore::~ConsumerCore() {
    GilRelease nogil;
    consumer_ = pulsar::Consumer();
}

void ConsumerCore::check_open() const {
    if (closed_.load(std::memory_order_acquire) ||
        client_->closed.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
}

py::object ConsumerCore::receive(py::handle timeout_millis) {
    check_open();
    bool forever = timeout_millis.is_none();
    int64_t timeout = forever ? 0
                              : as_int(timeout_millis.ptr(), "timeout_millis", 0,
                                       std::numeric_limits<int32_t>::max());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
    pulsar::Message message;
    for (;;) {
        int slice = kReceiveSliceMs;
        if (!forever) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
            slice = static_cast<int>(std::clamp<int64_t>(left, 0, kReceiveSliceMs));
        }
        pulsar::Result result;
        {
            GilRelease nogil;
            result = consumer_.receive(message, slice);
        }
        if (result == pulsar::ResultOk) {
            return wrap_message(message, schema_);
        }
        if (result != pulsar::ResultTimeout) {
            raise_result(result);
        }
        if (!forever && std::chrono::steady_clock::now() >= deadline) {
            raise_result(pulsar::ResultTimeout);
        }
        if (PyErr_CheckSignals() != 0) {
            throw py::error_already_set();
        }
    }
}

void ConsumerCore::acknowledge(py::handle message) {
    check_open();
    pulsar::MessageId id = message_id_of(message, "message");
    pulsar::Result result = call_blocking_result(
        [&](const pulsar::ResultCallback& cb) { consumer_.acknowledgeAsync(id, cb); });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
}

void ConsumerCore::acknowledge_cumulative(py::handle message) {
    check_open();
    pulsar::MessageId id = message_id_of(message, "message");
    pulsar::Result result = call_blocking_result(
        [&](const pulsar::ResultCallback& cb) { consumer_.acknowledgeCumulativeAsync(id, cb); });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
}

void ConsumerCore::negative_acknowledge(py::handle message) {
    check_open();
    pulsar::MessageId id = message_id_of(message, "message");
    GilRelease nogil;
    consumer_.negativeAcknowledge(id);
}

void ConsumerCore::unsubscribe() {
    check_open();
    pulsar::Result result = call_blocking_result(
        [&](const pulsar::ResultCallback& cb) { consumer_.unsubscribeAsync(cb); });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
}

void ConsumerCore::close() {
    check_open();
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { consumer_.closeAsync(cb); });
    closed_.store(true, std::memory_order_release);
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

void register_consumer(py::module_& m) {
    py::class_<ConsumerCore, std::shared_ptr<ConsumerCore>>(
        m, "Consumer", "Receives messages of a subscription; made by Client.subscribe().")
        .def(
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
        .def("receive", &ConsumerCore::receive, py::arg("timeout_millis") = py::none(),
             "Wait for the next message and return it; with timeout_millis, raise pulsar.Timeout\n"
             "when none arrives in time. The GIL is released while waiting; Ctrl-C interrupts.")
        .def("acknowledge", &ConsumerCore::acknowledge, py::arg("message"),
             "Acknowledge a message (a Message or a MessageId).")
        .def("acknowledge_cumulative", &ConsumerCore::acknowledge_cumulative, py::arg("message"),
             "Acknowledge a message and every earlier one of the subscription.")
        .def("negative_acknowledge", &ConsumerCore::negative_acknowledge, py::arg("message"),
             "Ask for a message to be redelivered after negative_ack_redelivery_delay_ms.")
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
