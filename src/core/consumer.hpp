// The C++ object behind pulsar.Consumer.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>

#include "abi/client.hpp"
#include "core/client.hpp"
#include "core/listener.hpp"

namespace fastpulsar {

namespace py = pybind11;

class ConsumerCore {
   public:
    ConsumerCore(pulsar::Consumer consumer, py::object schema, std::shared_ptr<ClientState> client);
    ~ConsumerCore();
    ConsumerCore(const ConsumerCore&) = delete;
    ConsumerCore& operator=(const ConsumerCore&) = delete;

    // Called with the GIL held; they throw error_already_set (AlreadyClosed, the
    // operation's failure, KeyboardInterrupt, ...).
    py::object receive(py::handle timeout_millis);
    // for msg in consumer: the next message; StopIteration once the consumer is closed.
    py::object next();
    // The messages of one batch (batch_receive_policy), as a list of pulsar.Message.
    py::list batch_receive();
    py::object get_last_message_id();
    // A MessageId, or a publish timestamp in milliseconds since the epoch (an int).
    void seek(py::handle target);
    void redeliver_unacknowledged_messages();
    void pause_message_listener();
    void resume_message_listener();
    // From subscribe(message_listener=...), once: the queue its messages wait in.
    void set_listener(std::shared_ptr<MessageListenerQueue> listener);
    void acknowledge(py::handle message);
    void acknowledge_cumulative(py::handle message);
    void negative_acknowledge(py::handle message);
    void unsubscribe();
    void close();

    // pulsar.asyncio: a message libpulsar holds already, or None; never waits. GIL held;
    // throws error_already_set (AlreadyClosed, ...).
    py::object try_receive();
    // pulsar.asyncio: these start the operation and return; its outcome resolves `future`
    // through the LoopSink `sink` (runtime/loop_sink.hpp). GIL held; they throw
    // error_already_set for what fails before the operation starts (AlreadyClosed, ...).
    void receive_async(py::handle sink, py::handle future);
    void batch_receive_async(py::handle sink, py::handle future);
    void get_last_message_id_async(py::handle sink, py::handle future);
    void seek_async(py::handle target, py::handle sink, py::handle future);
    void unsubscribe_async(py::handle sink, py::handle future);
    // `self` is this consumer's Python object (kept until the close completes).
    void close_async(py::handle self, py::handle sink, py::handle future);
    // pulsar-client 3.13's _pulsar.Consumer methods *_async(..., callback): start the
    // operation and return; callback(result) or callback(result, value) runs exactly once,
    // on the dispatcher thread (runtime/callback_op.hpp). GIL held; they throw
    // error_already_set (InvalidArgumentType) for a bad argument only: the operation's
    // failure, AlreadyClosed included, goes to the callback.
    void receive_with_callback(py::handle callback);
    void acknowledge_with_callback(py::handle message, py::handle callback);
    void acknowledge_cumulative_with_callback(py::handle message, py::handle callback);
    void negative_acknowledge_with_callback(py::handle message, py::handle callback);
    void get_last_message_id_with_callback(py::handle callback);
    void seek_with_callback(py::handle target, py::handle callback);
    void unsubscribe_with_callback(py::handle callback);
    // `self` is this consumer's Python object (kept until the close completes).
    void close_with_callback(py::handle self, py::handle callback);

    bool is_closed() const {
        return closed_.load() || client_->closed.load() || client_->inherited();
    }

    // The client it was made by (its listener's lane comes from it). Any thread.
    const std::shared_ptr<ClientState>& client_state() const { return client_; }
    // Closed, or its client closing: no listener call starts any more. Any thread.
    bool is_closing() const { return closed_.load() || client_->closing.load() || is_closed(); }

    const pulsar::Consumer& consumer() const { return consumer_; }

   private:
    // When the client is closed (or shut down) in this process: marks this object closed,
    // stops its listener, and returns true (its close() is then quiet, as in pulsar-client
    // 3.13). GIL held; never throws.
    bool closed_with_client();
    void check_open() const;
    // For the callback methods: whether the client is closed (libpulsar is not asked then;
    // the callback gets AlreadyClosed). Throws AlreadyClosed when inherited through a fork.
    bool client_gone() const;
    // Waits for a message (forever when timeout_millis is None). With `iterating`,
    // returns a null object instead of raising once the consumer is closed.
    py::object receive_message(py::handle timeout_millis, bool iterating);

    pulsar::Consumer consumer_;
    py::object schema_;
    std::shared_ptr<ClientState> client_;
    std::atomic<bool> closed_{false};
    // Null without one. Set once, after the consumer is made, and read on any thread:
    // through std::atomic_load/atomic_store (listener()), as nothing else orders them
    // without the GIL.
    std::shared_ptr<MessageListenerQueue> listener_;
    std::shared_ptr<MessageListenerQueue> listener() const { return std::atomic_load(&listener_); }
};

// Consumer.receive(timeout_millis=None) and Consumer.acknowledge(message) as METH_FASTCALL
// functions (the loop `msg = consumer.receive(); consumer.acknowledge(msg)` is the hot path
// of a consumer): `self` is a pulsar.Consumer. C API entry points: GIL held, return a new
// reference or nullptr with the Python error set.
PyObject* consumer_receive(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                           PyObject* kwnames);
PyObject* consumer_acknowledge(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                               PyObject* kwnames);

}  // namespace fastpulsar
