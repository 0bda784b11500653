// ConsumerCore: receive, acknowledge, close (see consumer.hpp).
#include "core/consumer.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/message.hpp"
#include "core/message_id.hpp"
#include "core/seek.hpp"
#include "runtime/callback_op.hpp"
#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"
#include "runtime/loop_sink.hpp"
#include "runtime/resolve_none.hpp"
#include "runtime/wait.hpp"

namespace fastpulsar {
namespace {

const pulsar::MessageId& message_id_of(py::handle obj, const char* name) {
    if (const pulsar::Message* message = unwrap_message(obj)) {
        return message->getMessageId();
    }
    if (const pulsar::MessageId* id = unwrap_message_id(obj)) {
        return *id;
    }
    raise_type_error(name, "a Message or a MessageId", obj.ptr());
}

// The outcome of one acknowledgement, shared by the acknowledging thread and libpulsar's
// callback. The callback holds it by a plain pointer, so that it fits in std::function's
// local storage (no allocation), and the two hold one reference each: the last to let go
// frees it, or, on the acknowledging thread, keeps it as that thread's spare for the next
// acknowledgement. In the common case (libpulsar completes inside the call) an
// acknowledgement allocates nothing.
class AckOutcome {
   public:
    // The calling thread's spare, or a new one; two references (caller, callback). Any
    // thread; never throws but std::bad_alloc.
    static AckOutcome* take() {
        std::unique_ptr<AckOutcome> outcome = std::move(t_spare);
        if (!outcome) {
            outcome = std::make_unique<AckOutcome>();
        }
        outcome->done_ = false;
        outcome->refs_.store(2, std::memory_order_relaxed);
        return outcome.release();  // owned by its two references from here
    }

    // libpulsar's callback, once, on any thread, without the GIL; then drops its reference.
    // Never throws.
    void complete(pulsar::Result result) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            result_ = result;
            done_ = true;
        }
        cv_.notify_all();
        release(false);
    }

    // The result, waiting for it with the GIL released when not there yet. GIL held;
    // throws error_already_set (KeyboardInterrupt while waiting).
    pulsar::Result wait() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (done_) {
                return result_;
            }
        }
        wait_without_gil(mutex_, cv_, [this] { return done_; });
        return result_;
    }

    // The caller's reference, dropped when the acknowledgement is over (or given up).
    void release_by_caller() { release(true); }

   private:
    void release(bool on_caller_thread) {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
            return;
        }
        std::unique_ptr<AckOutcome> self(this);
        if (on_caller_thread && !t_spare) {
            t_spare = std::move(self);
        }
    }

    static thread_local std::unique_ptr<AckOutcome> t_spare;

    std::atomic<int> refs_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;  // guarded by mutex_
    pulsar::Result result_ = pulsar::ResultOk;
};

thread_local std::unique_ptr<AckOutcome> AckOutcome::t_spare;

// An acknowledgement, blocking as pulsar-client's. `start(callback)` is called with the
// GIL held: libpulsar's acknowledgeAsync never waits (it takes its trackers' mutexes and
// at most starts a non-blocking write), and without ack receipts it completes the
// callback inside the call, on this thread, so the common case neither releases the GIL
// nor waits. Otherwise it waits for the callback with the GIL released, as
// call_blocking_result. Called with the GIL held; throws error_already_set
// (KeyboardInterrupt while waiting).
template <typename Start>
pulsar::Result acknowledge_blocking(Start&& start) {
    struct CallerReference {
        AckOutcome* outcome;
        ~CallerReference() { outcome->release_by_caller(); }
    } caller{AckOutcome::take()};
    AckOutcome* outcome = caller.outcome;
    start(pulsar::ResultCallback([outcome](pulsar::Result r) { outcome->complete(r); }));
    return outcome->wait();
}

}  // namespace

ConsumerCore::ConsumerCore(pulsar::Consumer consumer, py::object schema,
                           std::shared_ptr<ClientState> client)
    : consumer_(std::move(consumer)), schema_(std::move(schema)), client_(std::move(client)) {}

ConsumerCore::~ConsumerCore() {
    if (auto listener = this->listener()) {
        listener->close();
    }
    GilRelease nogil;
    release_handle(consumer_, *client_);
    client_.reset();  // may be the last owner of libpulsar's client: without the GIL
}

void ConsumerCore::check_open() const {
    client_->check_open();
    if (closed_.load(std::memory_order_acquire)) {
        raise_result(pulsar::ResultAlreadyClosed);
    }
}

py::object ConsumerCore::receive(py::handle timeout_millis) {
    return receive_message(timeout_millis, false);
}

py::object ConsumerCore::next() {
    if (is_closed()) {
        throw py::stop_iteration();
    }
    py::object message = receive_message(py::none(), true);
    if (!message) {
        throw py::stop_iteration();
    }
    return message;
}

py::object ConsumerCore::receive_message(py::handle timeout_millis, bool iterating) {
    check_open();
    pulsar::Message message;
    pulsar::Result result = wait_in_slices(
        timeout_millis, [&](int slice_ms) { return consumer_.receive(message, slice_ms); },
        [&] { return iterating && is_closed(); });
    if (result == pulsar::ResultInvalidConfiguration && timeout_millis.is_none()) {
        // A zero-queue consumer (receiver_queue_size=0): libpulsar serves it only
        // through its blocking receive, which waits for the broker's message (or the
        // consumer's close) and cannot be interrupted.
        GilRelease nogil;
        result = consumer_.receive(message);
    }
    if (result == pulsar::ResultOk) {
        return wrap_message(std::move(message), schema_);
    }
    if (iterating && (result == pulsar::ResultAlreadyClosed || is_closed())) {
        return py::object();
    }
    raise_result(result);  // Timeout included
}

py::list ConsumerCore::batch_receive() {
    check_open();
    auto [result, messages] = call_blocking<std::vector<pulsar::Message>>(
        [&](const std::shared_ptr<Pending<std::vector<pulsar::Message>>>& pending) {
            consumer_.batchReceiveAsync(
                [pending](pulsar::Result r, const std::vector<pulsar::Message>& received) {
                    pending->complete(r, received);
                });
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    py::list out(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i),
                        wrap_message(std::move(messages[i]), schema_).release().ptr());
    }
    return out;
}

py::object ConsumerCore::get_last_message_id() {
    check_open();
    auto [result, id] = call_blocking<pulsar::MessageId>(
        [&](const std::shared_ptr<Pending<pulsar::MessageId>>& pending) {
            consumer_.getLastMessageIdAsync([pending](pulsar::Result r, pulsar::MessageId last) {
                pending->complete(r, std::move(last));
            });
        });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    return wrap_message_id(id);
}

void ConsumerCore::seek(py::handle target) {
    check_open();
    seek_to(consumer_, target);
}

void ConsumerCore::redeliver_unacknowledged_messages() {
    if (client_->closed_here()) {
        return;  // nothing to redeliver: quietly, as pulsar-client 3.13
    }
    check_open();
    GilRelease nogil;
    consumer_.redeliverUnacknowledgedMessages();
}

void ConsumerCore::pause_message_listener() {
    check_open();
    if (auto listener = this->listener()) {
        listener->pause();  // no listener call starts from now, even for queued messages
    }
    pulsar::Result result;
    {
        GilRelease nogil;
        result = consumer_.pauseMessageListener();
    }
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
}

void ConsumerCore::resume_message_listener() {
    check_open();
    pulsar::Result result;
    {
        GilRelease nogil;
        result = consumer_.resumeMessageListener();
    }
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    if (auto listener = this->listener()) {
        listener->resume();
    }
}

void ConsumerCore::set_listener(std::shared_ptr<MessageListenerQueue> listener) {
    std::atomic_store(&listener_, std::move(listener));
}

void ConsumerCore::acknowledge(py::handle message) {
    check_open();
    pulsar::MessageId id = message_id_of(message, "message");
    pulsar::Result result = acknowledge_blocking(
        [&](const pulsar::ResultCallback& cb) { consumer_.acknowledgeAsync(id, cb); });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
}

void ConsumerCore::acknowledge_cumulative(py::handle message) {
    check_open();
    pulsar::MessageId id = message_id_of(message, "message");
    pulsar::Result result = acknowledge_blocking(
        [&](const pulsar::ResultCallback& cb) { consumer_.acknowledgeCumulativeAsync(id, cb); });
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
}

void ConsumerCore::negative_acknowledge(py::handle message) {
    pulsar::MessageId id = message_id_of(message, "message");
    if (client_->closed_here()) {
        return;  // quietly, as pulsar-client 3.13 (libpulsar's returns nothing)
    }
    check_open();
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

bool ConsumerCore::closed_with_client() {
    if (!client_->closed_here()) {
        return false;
    }
    // The client's close (or shutdown) closed this consumer: closing it again is quiet, as
    // in pulsar-client 3.13.
    if (auto listener = this->listener()) {
        listener->close();
    }
    closed_.store(true, std::memory_order_release);
    return true;
}

void ConsumerCore::close() {
    if (closed_with_client()) {
        return;
    }
    check_open();
    if (auto listener = this->listener()) {
        listener->close();  // no listener call from now; frees libpulsar's listener thread
    }
    pulsar::Result result =
        call_blocking_result([&](const pulsar::ResultCallback& cb) { consumer_.closeAsync(cb); });
    closed_.store(true, std::memory_order_release);
    if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
        raise_result(result);
    }
}

py::object ConsumerCore::try_receive() {
    check_open();
    pulsar::Message message;
    pulsar::Result result = consumer_.receive(message, 0);  // a zero timeout never waits
    if (result == pulsar::ResultOk) {
        return wrap_message(std::move(message), schema_);
    }
    if (result == pulsar::ResultTimeout) {
        return py::none();
    }
    raise_result(result);
}

namespace {

// A message for pulsar.asyncio, or the failure.
py::object finish_message(const PyRef& schema, pulsar::Result result, pulsar::Message message) {
    if (result != pulsar::ResultOk) {
        raise_result(result);
    }
    return wrap_message(std::move(message), schema.get());
}

}  // namespace

void ConsumerCore::receive_async(py::handle sink, py::handle future) {
    check_open();
    run_op<pulsar::Message>(
        sink, future, [&](auto done) { consumer_.receiveAsync(done); },
        [schema = PyRef(schema_)](pulsar::Result result, pulsar::Message message) {
            return finish_message(schema, result, std::move(message));
        },
        &client_->receives);
}

void ConsumerCore::batch_receive_async(py::handle sink, py::handle future) {
    check_open();
    run_op<std::vector<pulsar::Message>>(
        sink, future, [&](auto done) { consumer_.batchReceiveAsync(done); },
        [schema = PyRef(schema_)](pulsar::Result result,
                                  std::vector<pulsar::Message> messages) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            py::list out(messages.size());
            for (std::size_t i = 0; i < messages.size(); ++i) {
                PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i),
                                wrap_message(std::move(messages[i]), schema.get()).release().ptr());
            }
            return std::move(out);
        },
        &client_->receives);
}

void ConsumerCore::get_last_message_id_async(py::handle sink, py::handle future) {
    check_open();
    run_op<pulsar::MessageId>(
        sink, future, [&](auto done) { consumer_.getLastMessageIdAsync(done); },
        [](pulsar::Result result, const pulsar::MessageId& id) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            return wrap_message_id(id);
        });
}

void ConsumerCore::seek_async(py::handle target, py::handle sink, py::handle future) {
    check_open();
    seek_op(consumer_, target, sink, future);
}

void ConsumerCore::unsubscribe_async(py::handle sink, py::handle future) {
    check_open();
    run_op<Nothing>(
        sink, future, [&](auto done) { consumer_.unsubscribeAsync(done); },
        [](pulsar::Result result, Nothing) -> py::object {
            if (result != pulsar::ResultOk) {
                raise_result(result);
            }
            return py::none();
        });
}

void ConsumerCore::close_async(py::handle self, py::handle sink, py::handle future) {
    if (closed_with_client()) {
        resolve_none_soon(sink, future);
        return;
    }
    check_open();
    if (auto listener = this->listener()) {
        listener->close();  // no listener call from now; frees libpulsar's listener thread
    }
    run_op<Nothing>(
        sink, future, [&](auto done) { consumer_.closeAsync(done); },
        [self = PyRef(py::reinterpret_borrow<py::object>(self))](pulsar::Result result,
                                                                 Nothing) -> py::object {
            py::handle(self.get())
                .cast<ConsumerCore&>()
                .closed_.store(true, std::memory_order_release);
            if (result != pulsar::ResultOk && result != pulsar::ResultAlreadyClosed) {
                raise_result(result);
            }
            return py::none();
        });
}

// ---- pulsar-client 3.13's _pulsar.Consumer *_async(..., callback) ------------------------

bool ConsumerCore::client_gone() const {
    client_->check_not_inherited();
    return client_->closed.load(std::memory_order_acquire);
}

namespace {

py::object finish_nothing(pulsar::Result, Nothing) { return py::none(); }

}  // namespace

void ConsumerCore::receive_with_callback(py::handle callback) {
    run_callback_op<pulsar::Message>(
        callback, client_gone(), [&](auto done) { consumer_.receiveAsync(done); },
        [schema = PyRef(schema_)](pulsar::Result result, pulsar::Message message) {
            return finish_message(schema, result, std::move(message));
        },
        &client_->receives);
}

void ConsumerCore::acknowledge_with_callback(py::handle message, py::handle callback) {
    pulsar::MessageId id = message_id_of(message, "message");
    run_callback_op<Nothing>(
        callback, client_gone(), [&](auto done) { consumer_.acknowledgeAsync(id, done); },
        &finish_nothing);
}

void ConsumerCore::acknowledge_cumulative_with_callback(py::handle message, py::handle callback) {
    pulsar::MessageId id = message_id_of(message, "message");
    run_callback_op<Nothing>(
        callback, client_gone(), [&](auto done) { consumer_.acknowledgeCumulativeAsync(id, done); },
        &finish_nothing);
}

void ConsumerCore::negative_acknowledge_with_callback(py::handle message, py::handle callback) {
    pulsar::MessageId id = message_id_of(message, "message");
    // libpulsar's negativeAcknowledge has no callback: it cannot fail (the redelivery is
    // asked for later, on a timer).
    run_callback_op<Nothing>(
        callback, client_gone(),
        [&](auto done) {
            consumer_.negativeAcknowledge(id);
            done(pulsar::ResultOk);
        },
        &finish_nothing);
}

void ConsumerCore::get_last_message_id_with_callback(py::handle callback) {
    run_callback_op<pulsar::MessageId>(
        callback, client_gone(), [&](auto done) { consumer_.getLastMessageIdAsync(done); },
        [](pulsar::Result, const pulsar::MessageId& id) { return wrap_message_id(id); });
}

void ConsumerCore::seek_with_callback(py::handle target, py::handle callback) {
    fastpulsar::seek_with_callback(consumer_, target, callback, client_gone());
}

void ConsumerCore::unsubscribe_with_callback(py::handle callback) {
    run_callback_op<Nothing>(
        callback, client_gone(), [&](auto done) { consumer_.unsubscribeAsync(done); },
        &finish_nothing);
}

void ConsumerCore::close_with_callback(py::handle self, py::handle callback) {
    check_callback(callback);
    bool gone = client_gone();
    if (auto listener = this->listener(); listener && !gone) {
        listener->close();  // no listener call from now; frees libpulsar's listener thread
    }
    run_callback_op<Nothing>(
        callback, gone, [&](auto done) { consumer_.closeAsync(done); },
        [self = PyRef(py::reinterpret_borrow<py::object>(self))](pulsar::Result result,
                                                                 Nothing) -> py::object {
            static_cast<void>(result);  // closed whatever the result, as close() is
            py::handle(self.get())
                .cast<ConsumerCore&>()
                .closed_.store(true, std::memory_order_release);
            return py::none();
        });
}

PyObject* consumer_receive(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                           PyObject* kwnames) {
    return c_api_call([&] {
        PyObject* timeout =
            single_argument("receive", "timeout_millis", args, nargs, kwnames, Py_None);
        return py::handle(self).cast<ConsumerCore&>().receive(timeout).release().ptr();
    });
}

PyObject* consumer_acknowledge(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                               PyObject* kwnames) {
    return c_api_call([&] {
        PyObject* message =
            single_argument("acknowledge", "message", args, nargs, kwnames, nullptr);
        py::handle(self).cast<ConsumerCore&>().acknowledge(message);
        Py_RETURN_NONE;
    });
}

}  // namespace fastpulsar
