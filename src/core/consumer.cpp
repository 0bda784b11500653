// ConsumerCore: receive, acknowledge, close (see consumer.hpp).
#include "core/consumer.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "core/message.hpp"
#include "core/message_id.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/wait.hpp"

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
    if (client_->inherited()) {
        // Inherited through a fork: leaked, as its client (runtime/fork.hpp).
        static_cast<void>(std::make_unique<pulsar::Consumer>(std::move(consumer_)).release());
    } else {
        consumer_ = pulsar::Consumer();
    }
    client_.reset();  // may be the last owner of libpulsar's client: without the GIL
}

void ConsumerCore::check_open() const {
    client_->check_open();
    if (closed_.load(std::memory_order_acquire)) {
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

}  // namespace fastpulsar
